import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadTestEnv } from '@condo/test-utils';

/**
 * A reader-writer lock on the test engine across jest workers. Test files that use the engine
 * hold it shared; the test that restarts the engine holds it exclusively, so it never pulls the
 * engine from under a concurrent file of this package. (It cannot protect other packages' tests;
 * `scripts/test-env restart docker` is used only by that one test.)
 */
const root = path.join(
  tmpdir(),
  `condo-docker-driver-engine-lock-${createHash('sha256').update(loadTestEnv().stateDir).digest('hex').slice(0, 12)}`,
);
const exclusiveDir = path.join(root, 'exclusive');
const sharedDir = path.join(root, 'shared');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the exclusive lock when the process holding it is gone. */
async function clearStaleExclusive(): Promise<void> {
  const owner = Number(await readFile(path.join(exclusiveDir, 'pid'), 'utf8').catch(() => ''));
  if (owner > 0 && !alive(owner)) await rm(exclusiveDir, { recursive: true, force: true });
}

export async function holdEngineShared(): Promise<() => Promise<void>> {
  await mkdir(sharedDir, { recursive: true });
  const mine = path.join(sharedDir, `${process.pid}-${randomBytes(4).toString('hex')}`);
  for (;;) {
    if (existsSync(exclusiveDir)) {
      await clearStaleExclusive();
      await sleep(100);
      continue;
    }
    await writeFile(mine, String(process.pid));
    if (!existsSync(exclusiveDir)) break;
    // An exclusive holder got in between: step back so it can proceed.
    await rm(mine, { force: true });
  }
  return () => rm(mine, { force: true });
}

export async function holdEngineExclusive(): Promise<() => Promise<void>> {
  await mkdir(sharedDir, { recursive: true });
  for (;;) {
    try {
      await mkdir(exclusiveDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      await clearStaleExclusive();
      await sleep(100);
    }
  }
  await writeFile(path.join(exclusiveDir, 'pid'), String(process.pid));
  for (;;) {
    const holders = await readdir(sharedDir);
    const live = holders.filter((h) => alive(Number(h.split('-')[0])));
    for (const dead of holders.filter((h) => !live.includes(h))) {
      await rm(path.join(sharedDir, dead), { force: true });
    }
    if (live.length === 0) break;
    await sleep(100);
  }
  return () => rm(exclusiveDir, { recursive: true, force: true });
}
