// Opening a store must not leak file descriptors: condod opens its database again after every
// self-update and in tests many times.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from '@jest/globals';
import { openSnapshotStore } from '@condo/store-sqlite';
import { tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const openFds = () => readdirSync('/proc/self/fd').length;

it('leaves no file descriptor open after open and close, nor after a refused open', () => {
  const file = path.join(dirs.make(), 'state.db');
  openSnapshotStore({ path: file }).close();
  const before = openFds();
  for (let i = 0; i < 10; i++) {
    const store = openSnapshotStore({ path: file });
    expect(() => openSnapshotStore({ path: file })).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_STORE_IN_USE' }),
    );
    store.close();
  }
  expect(openFds()).toBe(before);
});
