#!/usr/bin/env node
/**
 * The Docker image's HEALTHCHECK: `node /app/dist/self-healthcheck.js` asks condod's own
 * `/healthz`. It finds condod's process in `/proc`, reads `--server` and `--listen` from its
 * command line (so a changed CMD is followed), and exits 0 on a 200 answer (`ok` or `standby`),
 * 1 otherwise, printing why: Docker keeps that output in `docker inspect` (`State.Health.Log`).
 *
 * Run directly only; importing this module has no side effect.
 */
import { readFile, readdir } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

/** How long the whole check may take, in milliseconds (below the image's `--timeout=4s`). */
export const HEALTHCHECK_TIMEOUT_MS = 3_000;

/**
 * The `/healthz` URL of a condod run with `args` (its arguments after the script path), or
 * `undefined` when it serves no HTTP API (no `--server`). An unspecified listen address
 * (`0.0.0.0`, `::`) is asked on loopback. Pure.
 */
export function healthzUrl(args: readonly string[]): string | undefined {
  let port: string | undefined;
  let listen = '127.0.0.1';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? splitOnce(arg) : [arg];
    const value = (): string | undefined => inline ?? args[++i];
    if (name === '--server') port = value();
    else if (name === '--listen') listen = value() ?? listen;
  }
  if (port === undefined || !/^\d+$/.test(port) || Number(port) === 0) return undefined;
  let host = listen;
  if (host === '0.0.0.0' || host === '') host = '127.0.0.1';
  else if (host === '::' || host === '[::]') host = '[::1]';
  else if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  return `http://${host}:${port}/healthz`;
}

function splitOnce(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  return [arg.slice(0, eq), arg.slice(eq + 1)];
}

/**
 * The arguments of the condod process (those after `.../cli.js`) found in `procDir`
 * (`/proc`): the lowest pid whose command line runs condod's `cli.js`. `undefined` when none.
 */
export async function findCondodArgs(procDir = '/proc'): Promise<string[] | undefined> {
  const pids = (await readdir(procDir))
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .sort((a, b) => a - b);
  for (const pid of pids) {
    let cmdline: string;
    try {
      cmdline = await readFile(`${procDir}/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    const argv = cmdline.split('\0');
    if (argv.at(-1) === '') argv.pop();
    const script = argv.findIndex((a) => /(^|\/)(cli\.js|condod)$/.test(a));
    if (script >= 0 && argv[script + 1] !== 'plan') return argv.slice(script + 1);
  }
  return undefined;
}

/** One check: resolves with the process exit code and a line saying why. */
export async function checkHealth(
  procDir = '/proc',
  timeoutMs = HEALTHCHECK_TIMEOUT_MS,
): Promise<{ code: 0 | 1; message: string }> {
  const args = await findCondodArgs(procDir);
  if (args === undefined) return { code: 1, message: 'no condod process found' };
  const url = healthzUrl(args);
  if (url === undefined) {
    return { code: 1, message: 'condod serves no HTTP API (no --server PORT): nothing to ask' };
  }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.text()).slice(0, 500);
    return { code: res.status === 200 ? 0 : 1, message: `${url}: ${res.status} ${body}` };
  } catch (err) {
    return { code: 1, message: `${url}: ${(err as Error).message}` };
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void checkHealth().then(({ code, message }) => {
    process.stdout.write(`${message}\n`);
    process.exit(code);
  });
}
