// condod's Docker image for end-to-end tests: built once by scripts/build-image on the test
// engine and reused while the sources it is made of are unchanged (tagged by their content hash),
// and helpers to run condod as a container the way an operator does.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { loadTestEnv, testDocker } from '@condo/test-utils';

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** What the image is made of: a change to any of these builds a new one. */
const IMAGE_INPUTS = [
  'Dockerfile',
  '.dockerignore',
  'scripts/build-image',
  'scripts/image-prune-app',
  'scripts/lib.sh',
  'package.json',
  'pnpm-lock.yaml',
  'pnpm-workspace.yaml',
  'tsconfig.base.json',
  'apps/condod/package.json',
  'apps/condod/tsconfig.json',
  'apps/condod/src',
  'packages',
];

/** Hash of the image's inputs (tracked and untracked files, tests excluded) and of Node.js. */
async function inputsHash(): Promise<string> {
  const { stdout } = await run(
    'git',
    ['ls-files', '-co', '--exclude-standard', '-z', '--', ...IMAGE_INPUTS],
    { cwd: REPO, maxBuffer: 16 * 1024 * 1024 },
  );
  const files = stdout
    .split('\0')
    .filter((f) => f !== '' && !/\.test\.ts$|\/test\/|\/test-utils\//.test(f))
    .sort();
  const hash = createHash('sha256').update(process.versions.node);
  for (const file of files) {
    hash.update(`\0${file}\0`);
    hash.update(await readFile(path.join(REPO, file)).catch(() => Buffer.from('(deleted)')));
  }
  return hash.digest('hex').slice(0, 16);
}

let building: Promise<string> | undefined;

/**
 * The image to test: `$CONDO_TEST_CONDOD_IMAGE` when set, else `condo-test/condod:<inputs hash>`,
 * built by `scripts/build-image` on the test engine unless it is there already. Images of older
 * inputs, more than an hour old, are removed (when no container uses them).
 */
export function condodImage(): Promise<string> {
  const given = process.env.CONDO_TEST_CONDOD_IMAGE;
  if (given) return Promise.resolve(given);
  building ??= (async () => {
    const docker = testDocker();
    const tag = `condo-test/condod:${await inputsHash()}`;
    const present = await docker
      .getImage(tag)
      .inspect()
      .then(
        () => true,
        () => false,
      );
    if (!present) {
      const { stdout } = await run(path.join(REPO, 'scripts/build-image'), [tag], {
        cwd: REPO,
        env: { ...process.env, DOCKER_HOST: loadTestEnv().dockerHost },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 10 * 60_000,
      });
      const last = stdout.trim().split('\n').at(-1);
      if (last !== tag) throw new Error(`scripts/build-image printed ${last}, expected ${tag}`);
    }
    const hourAgo = Date.now() / 1000 - 3600;
    for (const image of await docker.listImages({
      filters: { reference: ['condo-test/condod'] },
    })) {
      if (image.RepoTags?.includes(tag) || image.Created > hourAgo) continue;
      await docker
        .getImage(image.Id)
        .remove()
        .catch(() => undefined);
    }
    return tag;
  })();
  return building;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The path of the test engine's unix socket. */
export function engineSocket(): string {
  const host = loadTestEnv().dockerHost;
  if (!host.startsWith('unix://'))
    throw new Error(`the test engine is not on a unix socket: ${host}`);
  return host.slice('unix://'.length);
}

export interface CondodContainerOptions {
  image: string;
  /** Host directory mounted at /var/lib/condo (specs and state). */
  specsDir: string;
  /** Labels of the condod container itself and, through --container-label, of its services. */
  labels: Record<string, string>;
  port: number;
  env?: string[];
}

/**
 * `docker run` of condod as the README shows it, on host networking (the test engine has no
 * bridge): the specs volume at /var/lib/condo and the engine socket at /var/run/docker.sock,
 * the image's default command with the API on `port` and the test labels for every service.
 */
export async function startCondodContainer(
  docker: Docker,
  opts: CondodContainerOptions,
): Promise<Docker.Container> {
  const container = await docker.createContainer({
    ...(await condodContainerBody(docker, opts)),
    ...(opts.env ? { Env: opts.env } : {}),
  });
  await container.start();
  return container;
}

/**
 * The create body `startCondodContainer` uses (without `Env`): the image's default command with
 * the API on `opts.port`, JSON logs and `--container-label` for each test label; host
 * networking; the specs volume and the engine socket. A `self.edn` can hold the same.
 */
export async function condodContainerBody(
  docker: Docker,
  opts: Omit<CondodContainerOptions, 'env'>,
): Promise<{
  Image: string;
  Cmd: string[];
  Labels: Record<string, string>;
  HostConfig: { NetworkMode: string; Binds: string[] };
}> {
  const image = await docker.getImage(opts.image).inspect();
  const defaults = image.Config.Cmd ?? [];
  const cmd = defaults.map((arg, i) => (defaults[i - 1] === '--server' ? String(opts.port) : arg));
  const labelArgs = Object.entries(opts.labels).flatMap(([k, v]) => [
    '--container-label',
    `${k}=${v}`,
  ]);
  return {
    Image: opts.image,
    // The options go before the PREFIX, the last default argument.
    Cmd: [...cmd.slice(0, -1), '--log-format', 'json', ...labelArgs, ...cmd.slice(-1)],
    Labels: opts.labels,
    HostConfig: {
      NetworkMode: 'host',
      Binds: [`${opts.specsDir}:/var/lib/condo`, `${engineSocket()}:/var/run/docker.sock`],
    },
  };
}

/** `value` (JSON: objects, arrays, strings, numbers, booleans) as EDN; keys that are plain words become keywords. */
export function toEdn(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toEdn).join(' ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(
      ([k, v]) => `${/^[A-Za-z][A-Za-z0-9-]*$/.test(k) ? `:${k}` : JSON.stringify(k)} ${toEdn(v)}`,
    );
    return `{${entries.join(' ')}}`;
  }
  return JSON.stringify(value);
}

/** Runs `cmd` inside a running container (`docker exec`); its exit code and output. */
export async function execIn(
  docker: Docker,
  container: Docker.Container,
  cmd: string[],
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.stdout.push(c));
  err.on('data', (c: Buffer) => chunks.stderr.push(c));
  docker.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const { ExitCode } = await exec.inspect();
  return {
    exitCode: ExitCode ?? -1,
    stdout: Buffer.concat(chunks.stdout).toString(),
    stderr: Buffer.concat(chunks.stderr).toString(),
  };
}

/** Polls `url` until it answers (any status) or `timeoutMs` passes; resolves with the response. */
export async function whenAnswering(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(5_000) });
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`${url} did not answer in ${timeoutMs} ms: ${String(err)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
