import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { openSnapshotStore } from '@condo/store-sqlite';
import { buildPackage, exited, fixturesDir, tempDirs } from './helpers.js';

const ITERATIONS = 200;
const dirs = tempDirs();

beforeAll(buildPackage, 120_000);
afterAll(() => dirs.cleanup());

interface Counter {
  seq: number;
  pad: string;
}

/** The same formula as test/fixtures/crash-writer.js: a torn or mixed write would not match. */
const padLength = (n: number): number => 100 + ((n * 7919) % 6000);

/**
 * Runs the writer once and kills it with SIGKILL at a random moment: a quarter of the runs at
 * a random time after spawn (often while it opens, creates or migrates the database), the rest
 * at a random time after its first acknowledgement (inside the save loop, checkpoints included).
 * Resolves with the highest sequence number it acknowledged, if any.
 */
async function runAndKill(file: string, iteration: number): Promise<number | undefined> {
  const child = spawn(process.execPath, [path.join(fixturesDir, 'crash-writer.js'), file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let lastAck: number | undefined;
  let pending = '';
  let stderr = '';
  let firstAck: () => void = () => {};
  const acknowledged = new Promise<void>((resolve) => (firstAck = resolve));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) lastAck = Number(line);
    if (lastAck !== undefined) firstAck();
  });
  const exit = exited(child);
  if (iteration % 4 === 0) {
    await sleep(Math.random() * 150);
  } else {
    await Promise.race([acknowledged, exit]);
    await sleep(Math.random() * 50);
  }
  child.kill('SIGKILL');
  await exit;
  // Only a kill may end the writer: an exit of its own is a failure (an error on open, say).
  if (child.signalCode !== 'SIGKILL') {
    throw new Error(
      `the writer exited by itself (${child.exitCode}) in run ${iteration}: ${stderr}`,
    );
  }
  return lastAck;
}

it(`keeps every acknowledged snapshot across ${ITERATIONS} kill -9 at random moments`, async () => {
  const file = path.join(dirs.make(), 'state.db');
  let stored = 0; // the counter the database held after the previous run
  let instanceId: string | undefined;

  for (let i = 0; i < ITERATIONS; i++) {
    const lastAck = await runAndKill(file, i);

    const store = openSnapshotStore<Counter>({ path: file }); // must not throw
    try {
      instanceId ??= store.instanceId;
      expect(store.instanceId).toBe(instanceId);
      const counter = store.load('counter');
      const seq = counter?.snapshot.seq ?? 0;
      // Everything acknowledged is there; at most the one save in flight at the kill is extra.
      const floor = Math.max(stored, lastAck ?? 0);
      expect(seq).toBeGreaterThanOrEqual(floor);
      expect(seq).toBeLessThanOrEqual(floor + 1);
      if (counter) {
        expect(counter.revision).toBe(`r${seq}`);
        expect(counter.snapshot.pad).toHaveLength(padLength(seq));
      }
      for (const side of store.loadAll().filter((r) => r.service.startsWith('side-'))) {
        expect(side.revision).toBe(`r${(side.snapshot as unknown as { seq: number }).seq}`);
      }
      stored = seq;
    } finally {
      store.close();
    }
  }

  // The test must have exercised the save loop, not only process start-up.
  expect(stored).toBeGreaterThan(ITERATIONS);
}, 180_000);
