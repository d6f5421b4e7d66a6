import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** What `scripts/test-env up` started, as written to `.test-env/env.json`. */
export interface TestEnv {
  /** Private directory holding the environment's sockets, data and logs. */
  stateDir: string;
  /** `unix://` URL of the throwaway Docker engine. Never the machine's own engine. */
  dockerHost: string;
  registry: {
    /** `127.0.0.1:<port>`: an htpasswd-protected registry, plain HTTP (the engine trusts loopback). */
    address: string;
    username: string;
    password: string;
    /** A second account whose password contains colons. */
    colonUsername: string;
    colonPassword: string;
    /** An image pushed to the registry and absent from the engine's local store after `up`. */
    pushedImage: string;
  };
  /** `http://127.0.0.1:<port>` of a single-member etcd. */
  etcdEndpoint: string;
  /** Locally built test images (see `packages/test-utils/images/README.md`). */
  images: {
    busybox: string;
    healthy: string;
    unhealthy: string;
    slow: string;
    web: string;
  };
  testEnvScript: string;
}

export class TestEnvMissingError extends Error {
  readonly code = 'ERR_CONDO_TEST_ENV_MISSING';
  constructor(file: string) {
    super(
      `The test environment is not running (no ${file}). ` +
        'Start it with `sudo scripts/test-env up`, or run the whole suite with `scripts/test`.',
    );
    this.name = 'TestEnvMissingError';
  }
}

/** The repository root: the nearest directory above this file holding `pnpm-workspace.yaml`. */
export function findRepoRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
    dir = parent;
  }
}

/** Path of the env file: `$CONDO_TEST_ENV_FILE`, else `<repo>/.test-env/env.json`. */
export function testEnvFile(): string {
  return process.env.CONDO_TEST_ENV_FILE ?? path.join(findRepoRoot(), '.test-env', 'env.json');
}

let cached: TestEnv | undefined;

/**
 * Reads the running test environment. Throws `TestEnvMissingError` (with the command that fixes
 * it) when `scripts/test-env up` has not been run: integration tests fail, they never skip.
 */
export function loadTestEnv(file = testEnvFile()): TestEnv {
  if (cached && file === testEnvFile()) return cached;
  if (!existsSync(file)) throw new TestEnvMissingError(file);
  const env = JSON.parse(readFileSync(file, 'utf8')) as TestEnv;
  if (file === testEnvFile()) cached = env;
  return env;
}

export type TestEnvComponent = 'docker' | 'registry' | 'etcd';

/**
 * Stops, starts or restarts one component of the environment, for tests that simulate an
 * outage (a registry that can't be reached, an engine restarting under a live event stream).
 */
export async function controlTestEnv(
  action: 'start' | 'stop' | 'restart',
  component: TestEnvComponent,
): Promise<void> {
  const env = loadTestEnv();
  await promisify(execFile)(env.testEnvScript, [action, component], { timeout: 120_000 });
}

/**
 * Debian's Chromium and the flags it needs here (as root, headless, on a machine whose network
 * is closed: without the background-networking flags it keeps failing to reach Google's hosts).
 * Pass to playwright-core's `chromium.launch(...)`.
 */
export const CHROMIUM_LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
} as const;
