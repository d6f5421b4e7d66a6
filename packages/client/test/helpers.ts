// The real server for the client's tests: @condo/http-api's app on an ephemeral 127.0.0.1 port
// over its in-memory state source, and the built `condo` bin run as a child process.
import { afterEach } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Cleanups } from '@condo/test-utils';
import { MemoryStateSource, createApp, listen } from '@condo/http-api';
import type { ApiOptions, ApiContainerView, RunningServer, ApiServiceView } from '@condo/http-api';

const exec = promisify(execFile);
export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(packageDir, '../..');
export const BIN = path.join(packageDir, 'dist', 'cli.js');

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

/** Runs `step` after the current test. */
export function afterThisTest(step: () => unknown): void {
  cleanups.add(step);
}

export interface TestApi extends RunningServer {
  state: MemoryStateSource;
}

/** A real condo API over a memory state source, on `port` (any free one); closed after the test. */
export async function startApi(options: Partial<ApiOptions> = {}, port = 0): Promise<TestApi> {
  const state = new MemoryStateSource();
  const running = await listen(createApp({ state, ...options }), { port });
  cleanups.add(() => running.close());
  return { ...running, state };
}

/** An address nothing listens on (a port just released; fetch refuses a few "bad ports"). */
export async function closedAddr(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export function container(overrides: Partial<ApiContainerView> = {}): ApiContainerView {
  return {
    id: 'c0ffee'.padEnd(64, '0'),
    name: 'web_a1b2c3d4e5f',
    image: 'nginx:1.27',
    specHash: 'sha256:aaa',
    createdAt: Date.UTC(2026, 10, 25, 12, 0, 0),
    stableAt: Date.UTC(2026, 10, 25, 12, 0, 5),
    health: 'healthy',
    ...overrides,
  };
}

export function stable(overrides: Partial<ApiContainerView> = {}): ApiServiceView {
  return {
    state: 'Stable',
    current: container(overrides),
    next: null,
    pendingSpec: null,
    retryAt: null,
    lastError: null,
    file: '/etc/condo/web.edn',
  };
}

/** A revision that failed `:max-attempts` times while `current` keeps running. */
export function rejected(hash: string): ApiServiceView {
  return {
    state: 'TryAgainNext',
    current: container(),
    next: null,
    pendingSpec: hash,
    retryAt: null,
    lastError: {
      code: 'ERR_CONDO_HEALTH_TIMEOUT',
      message: 'health check did not pass within 10 s',
      at: Date.UTC(2026, 10, 25, 12, 1, 0),
    },
    file: '/etc/condo/web.edn',
    rejected: true,
    attempts: 3,
  };
}

/** Builds the package (and what it uses) so that the bin under test is the current source. */
export async function buildPackage(): Promise<void> {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  await exec(process.execPath, [tsc, '-b', packageDir, path.join(root, 'packages', 'http-api')], {
    cwd: root,
  });
}

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `condo` bin to its end; `env` adds to a clean environment (no CONDO_*). */
export async function runBin(args: string[], env: Record<string, string> = {}): Promise<BinResult> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('CONDO_') && k !== 'FORCE_COLOR' && k !== 'NO_COLOR',
    ),
  );
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      env: { ...base, ...env },
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string; message?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export interface RunningBin {
  /** Everything printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout holds `text`. */
  printed(text: string | RegExp, limitMs?: number): Promise<void>;
  interrupt(): void;
  exited: Promise<number | null>;
}

/** Starts the bin and leaves it running (killed after the test if still alive). */
export function startBin(args: string[], env: Record<string, string> = {}): RunningBin {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, FORCE_COLOR: '', NO_COLOR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  );
  cleanups.add(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    async printed(text, limitMs = 10_000) {
      const deadline = Date.now() + limitMs;
      const found = () => (typeof text === 'string' ? stdout.includes(text) : text.test(stdout));
      while (!found()) {
        if (Date.now() > deadline) {
          throw new Error(
            `bin did not print ${String(text)}; stdout: ${stdout}\nstderr: ${stderr}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    interrupt: () => child.kill('SIGINT'),
    exited,
  };
}

/** Resolves once `check` holds, looking every 10 ms; fails after `limitMs`. */
export async function until(check: () => boolean, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 10));
  }
}
