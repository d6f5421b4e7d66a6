// What the store promises about the disk and its lock, checked against the real thing: the
// fsyncs SQLite issues (strace attached to this process) and the lock seen from another process.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { openSnapshotStore } from '@condo/store-sqlite';
import type { SnapshotStore } from '@condo/store-sqlite';
import { lockFromAnotherProcess, tempDirs } from './helpers.js';

const dirs = tempDirs();
const open: SnapshotStore[] = [];
afterEach(() => {
  for (const store of open.splice(0)) store.close();
  dirs.cleanup();
});

/**
 * Runs `work` with strace attached to this process and returns the fsync/fdatasync calls it
 * saw, each with the path of its file descriptor (`-y`).
 */
async function syncsDuring(work: () => void): Promise<string[]> {
  const out = path.join(dirs.make(), 'strace.txt');
  const strace = spawn(
    'strace',
    ['-y', '-e', 'trace=fsync,fdatasync', '-o', out, '-p', String(process.pid)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve, reject) => {
    strace.on('error', (e) => reject(new Error(`strace is needed for this test: ${e.message}`)));
    strace.on('exit', () => resolve());
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    strace.stderr.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
      if (/attached/.test(stderr)) resolve();
    });
    void exited.then(() => reject(new Error(`strace did not attach: ${stderr}`)), reject);
  });
  work();
  strace.kill('SIGINT');
  await exited;
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => /^f(data)?sync\(/.test(l));
}

describe('durability', () => {
  it('syncs the WAL on every commit (synchronous=FULL): a save is on disk when it returns', async () => {
    const file = path.join(dirs.make(), 'state.db');
    const store = openSnapshotStore({ path: file });
    open.push(store);
    const syncs = await syncsDuring(() => {
      for (let i = 0; i < 5; i++) store.save(`svc-${i}`, { revision: 'r', snapshot: { i } });
      store.saveOwner('svc-0', '/etc/condo/svc-0.edn');
    });
    // NORMAL would sync the WAL only at checkpoints, OFF never: neither inside these commits.
    expect(syncs.filter((l) => l.includes('state.db-wal>')).length).toBeGreaterThanOrEqual(6);
  }, 30_000);
});

describe('ownership within one process', () => {
  it('a second open here is refused before it touches the file, so the lock stays held', () => {
    const file = path.join(dirs.make(), 'state.db');
    const store = openSnapshotStore({ path: file });
    open.push(store);
    expect(() => openSnapshotStore({ path: file })).toThrow(
      expect.objectContaining({
        code: 'ERR_CONDO_STORE_IN_USE',
        hint: 'this process has it open already',
      }),
    );
    // Closing any descriptor of the file drops a POSIX lock: had the refused open read the
    // header, another process could now take the database from under the owner.
    expect(lockFromAnotherProcess(file)).toMatch(/^SQLITE_BUSY/);
    // And the owner still works.
    store.save('a', { revision: 'r', snapshot: 1 });
    expect(store.load('a')?.snapshot).toBe(1);
  });
});
