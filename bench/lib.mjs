// Shared by the benches: spawn the built condod against the test environment and read its
// JSON log lines.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const env = JSON.parse(readFileSync(path.join(root, '.test-env/env.json'), 'utf8'));
export const runId = `bench${Date.now().toString(36)}`;

export const tmp = (prefix) => mkdtemp(path.join(tmpdir(), prefix));

/**
 * A spec without a health check (stable once running for 1 s): at scale, the test images'
 * one-second HEALTHCHECK alone would be a `runc exec` per container per second, which measures
 * the machine's exec rate rather than condod.
 */
export function spec() {
  // :pull :missing, like the bare dockerode loop it is compared with: the image is local.
  return `{:pull :missing
 :spec {:Image ${JSON.stringify(env.images.busybox)}
 :Cmd ["/bin/sh" "-c" "trap 'exit 0' TERM; while :; do sleep 5 & wait $!; done"]
 :HostConfig {:NetworkMode "none"}}}\n`;
}

export function startCondod({ prefix, state, args = [] }) {
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'apps/condod/dist/cli.js'),
      '-s',
      state,
      '-d',
      env.dockerHost,
      '--log-format',
      'json',
      '--log-level',
      'debug',
      '--container-label',
      'condo.test=true',
      '--container-label',
      `condo.test.run=${runId}`,
      ...args,
      prefix,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // A bench that fails or times out must not leave its condod behind.
  process.on('exit', () => child.kill('SIGKILL'));
  const lines = [];
  const waiters = [];
  createInterface({ input: child.stderr }).on('line', (text) => {
    try {
      lines.push({ ...JSON.parse(text), receivedAt: Date.now() });
    } catch {
      process.stderr.write(`${text}\n`);
    }
    waiters.splice(0).forEach((w) => w());
  });
  const waitFor = async (pred, from = 0, timeoutMs = 600_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = lines.slice(from).find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error('bench: timed out');
      await new Promise((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  return { child, lines, waitFor, exited: new Promise((r) => child.once('exit', r)) };
}

export async function removeBenchContainers() {
  const { default: Docker } = await import(
    path.join(root, 'packages/test-utils/node_modules/dockerode/lib/docker.js')
  );
  const docker = new Docker({ socketPath: env.dockerHost.replace('unix://', '') });
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`condo.test.run=${runId}`] },
  });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch((err) => {
          if (err.statusCode !== 404) throw err;
        }),
    ),
  );
  return { docker, removed: list.length };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
