import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cleanups } from '@condo/test-utils';
import { openSnapshotStore as openStore } from '@condo/store-sqlite';
import { openWhenFree } from './self-standby.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

/**
 * A second process holding the database the way a running condod does (better-sqlite3 with
 * `locking_mode=EXCLUSIVE`, as the store opens it); resolves once it holds the lock.
 */
async function holdDatabase(file: string): Promise<{ release: () => Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT;');
    process.stdout.write('locked\\n');
    process.stdin.on('end', () => process.exit(0));
    process.stdin.resume();`;
  const child = spawn(process.execPath, ['-e', script, file], {
    // Where better-sqlite3 resolves (jest runs from the repository root).
    cwd: path.resolve('packages/store-sqlite'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
  const release = async () => {
    child.stdin.end();
    await exited;
  };
  cleanups.add(release);
  return { release };
}

describe('openWhenFree', () => {
  it('waits in standby while another process holds the database, then opens it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'condo-standby-'));
    cleanups.add(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'state.db');
    openStore({ path: file }).close(); // the predecessor's database
    const holder = await holdDatabase(file);

    const standby: string[] = [];
    let tries = 0;
    const opening = openWhenFree(
      () => {
        tries++;
        return openStore({ path: file });
      },
      { retryMs: 50, onStandby: (err) => standby.push((err as { code: string }).code) },
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(standby).toEqual(['ERR_CONDO_STORE_IN_USE']);
    expect(tries).toBeGreaterThan(2);

    await holder.release(); // the predecessor exits
    const store = await opening;
    cleanups.add(() => store.close());
    expect(store.instanceId).toEqual(expect.any(String));
  });

  it('rejects at once on any other error, and when the signal aborts', async () => {
    const corrupt = Object.assign(new Error('corrupt'), { code: 'ERR_CONDO_STORE_CORRUPT' });
    let calls = 0;
    await expect(
      openWhenFree(() => {
        calls++;
        throw corrupt;
      }),
    ).rejects.toBe(corrupt);
    expect(calls).toBe(1);

    const abort = new AbortController();
    const inUse = Object.assign(new Error('in use'), { code: 'ERR_CONDO_STORE_IN_USE' });
    const waiting = openWhenFree(
      () => {
        throw inUse;
      },
      { retryMs: 10_000, signal: abort.signal },
    );
    abort.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
  });
});
