import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { openSnapshotStore } from '@condo/store-sqlite';
import type { ChildProcess } from 'node:child_process';
import {
  buildPackage,
  exited,
  fingerprint,
  packageDir,
  spawnFixture,
  tempDirs,
} from './helpers.js';

interface HoldLine {
  pid: number;
  instanceId: string;
  second: string;
}
interface OpenLine {
  ok: boolean;
  code?: string;
  instanceId?: string;
}

const dirs = tempDirs();
const children: ChildProcess[] = [];

beforeAll(buildPackage, 120_000);
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await exited(child);
  }
  dirs.cleanup();
});

async function hold(
  file: string,
  holdMs?: number,
): Promise<{ child: ChildProcess; line: HoldLine }> {
  const held = await spawnFixture<HoldLine>(
    'hold-store.js',
    holdMs === undefined ? [file] : [file, String(holdMs)],
  );
  children.push(held.child);
  return held;
}

describe('two processes on one database', () => {
  it('refuses the second with ERR_CONDO_STORE_IN_USE, and frees the database on kill -9', async () => {
    const file = path.join(dirs.make(), 'state.db');
    const { child, line } = await hold(file);
    // The owner's own failed second open did not release its lock.
    expect(line.second).toBe('ERR_CONDO_STORE_IN_USE');
    expect(() => openSnapshotStore({ path: file })).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_STORE_IN_USE' }),
    );
    const other = await spawnFixture<OpenLine>('open-store.js', [file]);
    expect(other.line).toMatchObject({ ok: false, code: 'ERR_CONDO_STORE_IN_USE' });

    child.kill('SIGKILL');
    await exited(child);
    const store = openSnapshotStore({ path: file });
    try {
      expect(store.instanceId).toBe(line.instanceId);
      expect(store.load('holder')?.snapshot).toEqual({ pid: line.pid });
    } finally {
      store.close();
    }
  });

  it('waits up to lockTimeoutMs for the owner to go away', async () => {
    const file = path.join(dirs.make(), 'state.db');
    // The holder exits by itself (without closing) shortly after it is ready.
    const { line } = await hold(file, 300);
    const store = openSnapshotStore({ path: file, lockTimeoutMs: 30_000 });
    try {
      expect(store.instanceId).toBe(line.instanceId);
    } finally {
      store.close();
    }
  });
});

describe('a read-only database or directory', () => {
  // Root may write anything, so as root the opening process runs as nobody; the files and
  // directories it must not write belong to it and lose their write bits, as for any user.
  const asRoot = process.getuid?.() === 0;
  const nobody = 65534;
  const owner = asRoot ? { uid: nobody, gid: nobody } : {};

  function prepare(withDatabase: boolean): { dir: string; file: string } {
    const base = dirs.make();
    const dir = path.join(base, 'state');
    mkdirSync(dir);
    const file = path.join(dir, 'state.db');
    if (withDatabase) openSnapshotStore({ path: file }).close();
    if (asRoot) {
      chmodSync(base, 0o755);
      chownSync(dir, nobody, nobody);
      if (withDatabase) chownSync(file, nobody, nobody);
    }
    return { dir, file };
  }

  async function openAsOwner(file: string): Promise<OpenLine> {
    return (await spawnFixture<OpenLine>('open-store.js', [file], owner)).line;
  }

  it('opens when the database and its directory are writable (the control case)', async () => {
    const { file } = prepare(true);
    expect(await openAsOwner(file)).toMatchObject({ ok: true });
  });

  it('reports a read-only database file and writes nothing', async () => {
    const { dir, file } = prepare(true);
    chmodSync(file, 0o444);
    const before = fingerprint(file);
    expect(await openAsOwner(file)).toMatchObject({ ok: false, code: 'ERR_CONDO_STORE_READ_ONLY' });
    expect(fingerprint(file)).toBe(before);
    expect(readdirSync(dir)).toEqual(['state.db']);
  });

  it('reports a read-only directory holding the database and writes nothing', async () => {
    const { dir, file } = prepare(true);
    chmodSync(dir, 0o555);
    const before = fingerprint(file);
    expect(await openAsOwner(file)).toMatchObject({ ok: false, code: 'ERR_CONDO_STORE_READ_ONLY' });
    expect(fingerprint(file)).toBe(before);
    expect(readdirSync(dir)).toEqual(['state.db']);
  });

  it('reports a read-only directory where the database would be created', async () => {
    const { dir, file } = prepare(false);
    chmodSync(dir, 0o555);
    expect(await openAsOwner(file)).toMatchObject({ ok: false, code: 'ERR_CONDO_STORE_READ_ONLY' });
    expect(await openAsOwner(path.join(dir, 'sub', 'state.db'))).toMatchObject({
      ok: false,
      code: 'ERR_CONDO_STORE_READ_ONLY',
    });
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('the README', () => {
  it('has a usage example that runs against the built package', () => {
    const readme = readFileSync(path.join(packageDir, 'README.md'), 'utf8');
    const example = /<!-- example[^>]*-->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("from '@condo/store-sqlite'");
    // Inside the package, so that '@condo/store-sqlite' resolves to its own dist.
    const script = path.join(packageDir, '.tsbuild', 'readme-example.mjs');
    mkdirSync(path.dirname(script), { recursive: true });
    writeFileSync(script, example!);
    const output = execFileSync(process.execPath, [script], { encoding: 'utf8' });
    expect(output).toContain('web sha256:3f2a {"state":"Wait","next":{"id":"c0ffee"}}');
    expect(output).not.toContain('db sha256:9b1c');
    expect(output).toContain('ERR_CONDO_STORE_IN_USE');
  });
});
