#!/usr/bin/env node
/**
 * The Docker image's HEALTHCHECK: `node /app/dist/self-healthcheck.js` asks condod's own
 * `/healthz`, and exits 0 on a 200 answer (`ok` or `standby`), 1 otherwise, printing why: Docker
 * keeps that output in `docker inspect` (`State.Health.Log`).
 *
 * It asks the health socket of condod's process when there is one (`--health-socket` on its
 * command line, else `CONDOD_HEALTH_SOCKET`, which the image sets): that socket lives in this
 * container's file system, so the answer is this condod's even when another condod (the one a
 * self-update replaces, with host networking) holds the same TCP port. Without a socket it reads
 * `--server` and `--listen` from condod's command line and asks over TCP.
 *
 * Run directly only; importing this module has no side effect.
 */
import { readFile, readdir } from 'node:fs/promises';
import { request } from 'node:http';
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

/** The value of `--health-socket` in condod's arguments, if any. Pure. */
export function healthSocketArg(args: readonly string[]): string | undefined {
  let socket: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (arg === '--health-socket') socket = args[++i];
    else if (arg.startsWith('--health-socket=')) socket = splitOnce(arg)[1];
  }
  return socket === '' ? undefined : socket;
}

/** GET /healthz over the unix socket `socketPath`: status and (the start of) the body. */
function askSocket(
  socketPath: string,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/healthz', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
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
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ code: 0 | 1; message: string }> {
  const args = await findCondodArgs(procDir);
  if (args === undefined) return { code: 1, message: 'no condod process found' };
  const socket = healthSocketArg(args) ?? (env.CONDOD_HEALTH_SOCKET || undefined);
  if (socket !== undefined) {
    try {
      const { status, body } = await askSocket(socket, timeoutMs);
      return {
        code: status === 200 ? 0 : 1,
        message: `${socket}: ${status} ${body.slice(0, 500)}`,
      };
    } catch (err) {
      return { code: 1, message: `${socket}: ${(err as Error).message}` };
    }
  }
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
