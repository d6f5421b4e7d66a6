// An import onto a disk that fills up is all or nothing: it fails and leaves no file behind, or it
// succeeds and the new database holds every snapshot. Root only: each test mounts a small tmpfs.
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect } from '@jest/globals';
import { importUpstreamStateFile, openSnapshotStore } from '@condo/store-sqlite';
import type { StoreIoError } from '@condo/store-sqlite';
import { mountTmpfs, rootIt, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const spec = { deploy: ['Before'], spec: { Image: 'a:1' }, health_timeout: 10, stop_timeout: 0 };
const upstream = {
  web: ['Stable', { id: 'c1', spec, created_at: 1, stable_at: null }],
  api: ['TryAgain', [spec, 2]],
};

/** The upstream file in a temp directory, and a tmpfs mounted beside it (unmounted after `fn`). */
function withTmpfs(options: string, fn: (from: string, disk: string) => void): void {
  const dir = dirs.make();
  const from = path.join(dir, 'state.json');
  writeFileSync(from, JSON.stringify(upstream));
  const disk = path.join(dir, 'disk');
  const unmount = mountTmpfs(disk, options);
  try {
    fn(from, disk);
  } finally {
    unmount();
  }
}

describe('importUpstreamStateFile on a disk that fills up (root: skipped off-root)', () => {
  rootIt('fails whole or succeeds whole with every amount of free space', () => {
    withTmpfs('size=256k', (from, disk) => {
      const to = path.join(disk, 'state.db');
      const filler = path.join(disk, 'filler');
      const { bsize, bavail } = statfsSync(disk);
      const failedAt = new Set<string>();
      let imported = false;
      // One block more free space each round, until the import fits.
      for (let free = 0; free <= bavail && !imported; free++) {
        for (const name of readdirSync(disk)) rmSync(path.join(disk, name));
        writeFileSync(filler, Buffer.alloc((bavail - free) * bsize));
        try {
          importUpstreamStateFile({ from, to });
          imported = true;
        } catch (error) {
          expect(error).toMatchObject({ code: 'ERR_CONDO_STORE_IO' });
          const { operation, message, hint } = error as StoreIoError;
          failedAt.add(operation);
          if (operation === 'the final checkpoint of the import') {
            expect(message).toBe(`state database ${to}: the final checkpoint of the import failed`);
            expect(hint).toBe('is the disk full? free some space and import again');
          }
          expect(readdirSync(disk)).toEqual(['filler']);
        }
      }
      expect(imported).toBe(true);
      rmSync(filler);
      const store = openSnapshotStore({ path: to });
      try {
        expect(store.loadAll().map((r) => r.service)).toEqual(['api', 'web']);
      } finally {
        store.close();
      }
      // Both ways a full disk can stop it were reached: a write, and the checkpoint on close.
      expect([...failedAt]).toEqual(
        expect.arrayContaining(['save', 'the final checkpoint of the import']),
      );
    });
  });

  rootIt(
    'reports a link that fails for want of inodes as an I/O error with that cause, not as an existing target',
    () => {
      // tmpfs counts every name, a hard link's too. While the store writes, the rest of the inodes
      // are taken, and the WAL's is held open so that deleting the WAL frees none for the link.
      withTmpfs('size=256k,nr_inodes=16', (from, disk) => {
        const to = path.join(disk, 'state.db');
        let heldWal: number | undefined;
        const clock = {
          now: () => {
            const wal = readdirSync(disk).find((name) => name.endsWith('-wal'));
            if (heldWal === undefined && wal !== undefined) {
              heldWal = openSync(path.join(disk, wal), 'r');
              for (let i = 0; ; i++) {
                try {
                  writeFileSync(path.join(disk, `filler-${i}`), '');
                } catch (error) {
                  expect(error).toMatchObject({ code: 'ENOSPC' });
                  break;
                }
              }
            }
            return 0;
          },
        };
        try {
          expect(() => importUpstreamStateFile({ from, to, clock })).toThrow(
            expect.objectContaining({
              code: 'ERR_CONDO_STORE_IO',
              operation: 'linking the import into place',
              message: `state database ${to}: linking the import into place failed`,
              hint: 'is the disk full, or out of inodes? free some space and import again',
              cause: expect.objectContaining({ code: 'ENOSPC', syscall: 'link' }),
            }),
          );
        } finally {
          if (heldWal !== undefined) closeSync(heldWal);
        }
        expect(heldWal).toBeDefined();
        expect(existsSync(to)).toBe(false);
        expect(readdirSync(disk).filter((name) => !name.startsWith('filler-'))).toEqual([]);
      });
    },
  );
});
