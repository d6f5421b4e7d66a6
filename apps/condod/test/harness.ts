// Spawns the built condod binary against the test environment and follows its JSON logs, so
// end-to-end tests exercise exactly what an operator runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import {
  Cleanups,
  dockerTestRun,
  loadTestEnv,
  makeSpecDir,
  type DockerTestRun,
} from '@condo/test-utils';

// CONDOD_CLI runs another build (e.g. of an older commit, to see a test fail before a fix).
const CLI =
  process.env.CONDOD_CLI ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');

/** One JSON log line of condod. */
export interface LogLine {
  level: number;
  time: number;
  msg: string;
  service?: string;
  from?: string;
  to?: string;
  reason?: string;
  event?: string;
  current?: string;
  next?: string;
  error?: { code: string; message: string; line?: number; column?: number; file?: string };
  [key: string]: unknown;
}

export interface CondodOptions {
  prefixes: string[];
  statePath: string;
  run: DockerTestRun;
  dockerConfig?: string;
  args?: string[];
  /** The engine endpoint condod talks to (default: the test engine; e.g. a fault proxy's). */
  dockerHost?: string;
  /** Environment variables added to the test process's own (e.g. `CONSUL_HTTP_TOKEN`). */
  env?: Record<string, string>;
}

export class Condod {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;
  #waiters: Array<() => void> = [];
  #stderr = '';

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const lines = createInterface({ input: child.stderr! });
    lines.on('line', (text) => {
      try {
        this.lines.push(JSON.parse(text) as LogLine);
      } catch {
        this.#stderr += `${text}\n`;
      }
      this.#waiters.splice(0).forEach((w) => w());
    });
    void this.exited.then(() => this.#waiters.splice(0).forEach((w) => w()));
  }

  static start(opts: CondodOptions): Condod {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (pnpm exec tsc -b)`);
    const env = loadTestEnv();
    const labels = Object.entries(opts.run.labels).flatMap(([k, v]) => [
      '--container-label',
      `${k}=${v}`,
    ]);
    const args = [
      CLI,
      '-s',
      opts.statePath,
      '-d',
      opts.dockerHost ?? env.dockerHost,
      '--log-format',
      'json',
      '--log-level',
      'debug',
      ...labels,
      ...(opts.dockerConfig ? ['--docker-config', opts.dockerConfig] : []),
      ...(opts.args ?? []),
      ...opts.prefixes,
    ];
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
    });
    return new Condod(child);
  }

  /** Everything condod wrote to stderr so far: the JSON lines and anything else, verbatim. */
  get output(): string {
    return `${this.lines.map((l) => JSON.stringify(l)).join('\n')}\n${this.#stderr}`;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Waits for a log line matching `pred` at index `from` or later; returns it. */
  async waitFor(pred: (l: LogLine) => boolean, opts: { timeoutMs?: number; from?: number } = {}) {
    const { timeoutMs = 30_000, from = 0 } = opts;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(pred);
      if (found) return found;
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
        throw new Error(
          `condod exited (${this.#child.exitCode ?? this.#child.signalCode}) while waiting\n${this.#tail()}`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting\n${this.#tail()}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** Waits until `service` enters `state` (a transition line), after log index `from`. */
  waitForState(service: string, state: string, opts: { timeoutMs?: number; from?: number } = {}) {
    return this.waitFor(
      (l) => l.service === service && l.to === state && l.from !== undefined,
      opts,
    );
  }

  /** The state a service is in after the last transition logged so far. */
  stateOf(service: string): string | undefined {
    return this.lines.filter((l) => l.service === service && l.to !== undefined).at(-1)?.to;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.#child.kill(signal);
    return this.exited;
  }

  #tail(): string {
    return [
      ...this.lines.slice(-25).map((l) => `  ${l.msg}`),
      ...(this.#stderr ? [`stderr: ${this.#stderr}`] : []),
    ].join('\n');
  }
}

/** A scratch directory for state databases and configs; removed by `cleanup`. */
export async function scratchDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'condod-e2e-'));
  return { path: dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A Docker config file holding the test registry's credentials. */
export async function writeDockerConfig(dir: string): Promise<string> {
  const { registry } = loadTestEnv();
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
  const file = path.join(dir, 'docker-config.json');
  await writeFile(file, JSON.stringify({ auths: { [registry.address]: { auth } } }));
  return file;
}

/** The containers of one service of a test run, newest first. */
export async function containersOf(
  run: DockerTestRun,
  service: string,
): Promise<Docker.ContainerInfo[]> {
  const list = await run.docker.listContainers({
    all: true,
    filters: { label: [`condo.test.run=${run.runId}`, `condo.service=${service}`] },
  });
  return list.sort((a, b) => b.Created - a.Created);
}

/** Every container of a test run as sorted `"<id> <state>"` lines: compare two to see churn. */
export async function containerStates(run: DockerTestRun): Promise<string[]> {
  const list = await run.docker.listContainers({
    all: true,
    filters: { label: [`condo.test.run=${run.runId}`] },
  });
  return list.map((c) => `${c.Id} ${c.State}`).sort();
}

/**
 * An EDN spec for a test image: no network, optional deploy strategy and extra keys (`extra`
 * at the top level, `container` inside `:spec`, `hostConfig` inside `:HostConfig`).
 */
export function spec(
  image: string,
  opts: {
    deploy?: string;
    env?: string[];
    extra?: string;
    container?: string;
    hostConfig?: string;
  } = {},
): string {
  const env = opts.env?.length ? ` :Env [${opts.env.map((e) => JSON.stringify(e)).join(' ')}]` : '';
  const container = opts.container ? ` ${opts.container}` : '';
  const host = opts.hostConfig ? ` ${opts.hostConfig}` : '';
  return `{${opts.deploy ? `:deploy ${opts.deploy} ` : ''}${opts.extra ?? ''}
 :spec {:Image ${JSON.stringify(image)}${env}${container} :HostConfig {:NetworkMode "none"${host}}}}
`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `read` every 100 ms until `done` holds and resolves with that value (for engine state
 * that settles right after a log line). Rejects when `done` still fails after `timeoutMs`, with
 * the last value read in the message: a wait that never succeeds fails the test.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `eventually: condition not met after ${timeoutMs} ms; last value: ${JSON.stringify(value)}`,
      );
    }
    await sleep(100);
  }
}

/**
 * The shared setup of an end-to-end test file: a test run (labels, container cleanup), a
 * cleanup stack drained after each test, and a scratch directory holding state databases and a
 * Docker config with the test registry's credentials.
 */
export function e2eSuite() {
  const run = dockerTestRun();
  const cleanups = new Cleanups();
  let scratch: Awaited<ReturnType<typeof scratchDir>> | undefined;
  let dockerConfig = '';
  beforeAll(async () => {
    scratch = await scratchDir();
    dockerConfig = await writeDockerConfig(scratch.path);
  });
  afterEach(() => cleanups.run());
  afterAll(async () => {
    // A condod killed mid-removal (or an AutoRemove container) leaves removals in progress,
    // which the engine refuses to start again (409): let them finish first.
    try {
      await eventually(
        () =>
          run.docker.listContainers({
            all: true,
            filters: { label: [`condo.test.run=${run.runId}`] },
          }),
        (list) => !list.some((c) => c.State === 'removing'),
      );
    } finally {
      await run.cleanup();
      await scratch?.cleanup();
    }
  });
  return {
    run,
    cleanups,
    /** The scratch directory (set once `beforeAll` has run). */
    get scratch(): string {
      if (!scratch) throw new Error('e2eSuite: scratch is ready only inside tests');
      return scratch.path;
    },
    get dockerConfig(): string {
      return dockerConfig;
    },
    /**
     * A spec dir holding `files` and a condod on it (on `dockerHost` if given), both cleaned up
     * after the test (condod is SIGKILLed).
     */
    async start(files: Record<string, string> = {}, opts: { dockerHost?: string } = {}) {
      const dir = await makeSpecDir(files);
      cleanups.add(() => dir.cleanup());
      const statePath = path.join(this.scratch, `${path.basename(dir.path)}.db`);
      const condod = Condod.start({
        prefixes: [dir.path],
        statePath,
        run,
        dockerConfig,
        ...(opts.dockerHost ? { dockerHost: opts.dockerHost } : {}),
      });
      cleanups.add(() => condod.kill('SIGKILL'));
      return { dir, condod, statePath };
    },
  };
}

/**
 * Starts condod on `prefixes` for one test of an `e2eSuite`: its state database in the scratch
 * directory (or `statePath`), the suite's Docker config, SIGKILLed by the test's cleanups.
 */
export function startCondod(
  suite: ReturnType<typeof e2eSuite>,
  prefixes: string[],
  opts: { statePath?: string; args?: string[]; dockerConfig?: string; dockerHost?: string } = {},
): { condod: Condod; statePath: string } {
  const statePath =
    opts.statePath ?? path.join(suite.scratch, `${path.basename(prefixes[0] ?? 'state')}.db`);
  const condod = Condod.start({
    prefixes,
    statePath,
    run: suite.run,
    dockerConfig: opts.dockerConfig ?? suite.dockerConfig,
    ...(opts.args ? { args: opts.args } : {}),
    ...(opts.dockerHost ? { dockerHost: opts.dockerHost } : {}),
  });
  suite.cleanups.add(() => condod.kill('SIGKILL'));
  return { condod, statePath };
}

/** Reads one of condod's HTTP routes (`--server`): status and parsed JSON (or text) body. */
export async function httpGet(
  url: string,
): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(url);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (/metrics)
  }
  return { status: res.status, body, text };
}

/** The API base URL condod logged after starting with `--server 0`. */
export async function apiUrl(condod: Condod): Promise<string> {
  const line = await condod.waitFor((l) => typeof l.url === 'string' && /HTTP API/.test(l.msg));
  return line.url as string;
}
