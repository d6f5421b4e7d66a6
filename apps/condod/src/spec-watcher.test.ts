import { afterEach, describe, expect, it } from '@jest/globals';
import {
  copyFile,
  mkdir,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { Cleanups, makeSpecDir, type SpecDir } from '@condo/test-utils';
import { isSpecFileName } from '@condo/spec-edn';
import { SpecWatcher, type SpecWatchEvent } from './spec-watcher.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

/** A watcher on real directories, recording its events, with a way to wait for one. */
async function startWatcher(
  prefixes: string[],
  opts: { removalGraceMs?: number; debounceMs?: number; owners?: Map<string, string> } = {},
) {
  const events: SpecWatchEvent[] = [];
  const waiters: Array<() => void> = [];
  const watcher = new SpecWatcher({
    prefixes,
    removalGraceMs: opts.removalGraceMs ?? 150,
    debounceMs: opts.debounceMs ?? 20,
    rescanIntervalMs: 0,
    ...(opts.owners ? { owners: opts.owners } : {}),
    onEvent: (e) => {
      events.push(e);
      waiters.splice(0).forEach((w) => w());
    },
  });
  await watcher.start();
  cleanups.add(() => watcher.close());
  const waitFor = async (pred: (e: SpecWatchEvent) => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find(pred);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(events)}`);
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  /** Lets in-flight debounces, scans and grace periods finish, then returns what was seen. */
  const settle = async (ms = 400) => {
    await new Promise((r) => setTimeout(r, ms));
    await watcher.rescanAll();
    return events.map(describeEvent);
  };
  return { watcher, events, waitFor, settle };
}

function describeEvent(e: SpecWatchEvent): string {
  switch (e.type) {
    case 'changed':
      return `changed ${e.spec.service} ${path.basename(path.dirname(e.spec.file))}`;
    case 'removed':
      return `removed ${e.service}`;
    case 'conflict':
      return `conflict ${e.service}`;
    case 'unreadable':
      return `unreadable ${path.basename(e.path)}`;
    case 'readable':
      return `readable ${path.basename(e.path)}`;
  }
}

async function specDir(files: Record<string, string> = {}): Promise<SpecDir> {
  const dir = await makeSpecDir(files);
  cleanups.add(() => dir.cleanup());
  return dir;
}

describe('the spec file names the watcher follows (isSpecFileName of @condo/spec-edn)', () => {
  it.each([
    ['web.edn', true],
    ['self.edn', true],
    ['.web.edn', false],
    ['.#web.edn', false],
    ['web.edn~', false],
    ['web.edn.swp', false],
    ['#web.edn#', false],
    ['web.json', false],
    ['.edn', false],
  ])('%s -> %s', (name, expected) => expect(isSpecFileName(name)).toBe(expected));
});

describe('SpecWatcher', () => {
  it('reports the files present at start, with their text', async () => {
    const dir = await specDir({ 'a.edn': '{:spec {:Image "a:1"}}', 'b.edn': '{}', 'x.txt': '' });
    const w = await startWatcher([dir.path]);
    expect(w.events.map(describeEvent).sort()).toEqual([
      `changed a ${path.basename(dir.path)}`,
      `changed b ${path.basename(dir.path)}`,
    ]);
    const a = w.events.find((e) => e.type === 'changed' && e.spec.service === 'a');
    expect(a).toMatchObject({ spec: { prefix: dir.path } });
    expect(a?.type === 'changed' && a.spec.bytes.toString()).toBe('{:spec {:Image "a:1"}}');
  });

  it('follows an added file, a change and a removal, each once', async () => {
    const dir = await specDir();
    const w = await startWatcher([dir.path]);
    const t0 = Date.now();
    await dir.write('web.edn', 'v1');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v1');
    const addLatency = Date.now() - t0;
    await dir.write('web.edn', 'v2');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v2');
    await dir.remove('web.edn');
    await w.waitFor((e) => e.type === 'removed');
    const name = path.basename(dir.path);
    expect(await w.settle()).toEqual([`changed web ${name}`, `changed web ${name}`, 'removed web']);
    console.log(`spec-watcher: file written -> event in ${addLatency} ms`);
  });

  it('does nothing when a file is touched or rewritten with the same bytes', async () => {
    const dir = await specDir({ 'web.edn': 'same' });
    const w = await startWatcher([dir.path]);
    const file = await dir.write('web.edn', 'same');
    const later = new Date(Date.now() + 5000);
    await utimes(file, later, later);
    await dir.writeAtomically('web.edn', 'same');
    expect(await w.settle()).toEqual([`changed web ${path.basename(dir.path)}`]);
  });

  it('sees a rename into place (as consul-template writes) as one change', async () => {
    const dir = await specDir({ 'web.edn': 'v1' });
    const w = await startWatcher([dir.path]);
    await dir.writeAtomically('web.edn', 'v2');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v2');
    expect((await w.settle()).filter((e) => e.startsWith('removed'))).toEqual([]);
  });

  it('does not remove a service whose file is briefly missing during a save', async () => {
    const dir = await specDir({ 'web.edn': 'v1' });
    const w = await startWatcher([dir.path], { removalGraceMs: 300 });
    // vim's default on Linux: move the original away, then write the new file.
    await rename(path.join(dir.path, 'web.edn'), path.join(dir.path, 'web.edn~'));
    await new Promise((r) => setTimeout(r, 60));
    await dir.write('web.edn', 'v2');
    await unlink(path.join(dir.path, 'web.edn~'));
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v2');
    expect((await w.settle(600)).filter((e) => e.startsWith('removed'))).toEqual([]);
  });

  it('ignores dotfiles, editor temp files, other extensions and directories named *.edn', async () => {
    const dir = await specDir();
    const w = await startWatcher([dir.path]);
    await dir.write('.web.edn', 'x');
    await dir.write('.#web.edn', 'x');
    await dir.write('web.edn~', 'x');
    await dir.write('web.edn.swp', 'x');
    await dir.write('notes.txt', 'x');
    await mkdir(path.join(dir.path, 'dir.edn'));
    await writeFile(path.join(dir.path, 'dir.edn', 'inner.edn'), 'x');
    expect(await w.settle()).toEqual([]);
  });

  it('follows a symlinked spec, and a swap of the directory it points into', async () => {
    // Kubernetes config maps: web.edn -> ..data/web.edn, and ..data is swapped atomically.
    const dir = await specDir();
    await mkdir(path.join(dir.path, '..v1'));
    await writeFile(path.join(dir.path, '..v1', 'web.edn'), 'v1');
    await symlink('..v1', path.join(dir.path, '..data'));
    await symlink('..data/web.edn', path.join(dir.path, 'web.edn'));
    const w = await startWatcher([dir.path]);
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v1');

    await mkdir(path.join(dir.path, '..v2'));
    await writeFile(path.join(dir.path, '..v2', 'web.edn'), 'v2');
    await symlink('..v2', path.join(dir.path, '..data_tmp'));
    await rename(path.join(dir.path, '..data_tmp'), path.join(dir.path, '..data'));
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v2');
  });

  it('watches every prefix, each on its own: a change in any prefix is seen', async () => {
    const one = await specDir();
    const two = await specDir();
    const w = await startWatcher([one.path, two.path]);
    await one.write('a.edn', 'a');
    await two.write('b.edn', 'b');
    await w.waitFor((e) => e.type === 'changed' && e.spec.service === 'a');
    await w.waitFor((e) => e.type === 'changed' && e.spec.service === 'b');
    await two.remove('b.edn');
    await w.waitFor((e) => e.type === 'removed' && e.service === 'b');
    expect(w.watcher.snapshot().has('a')).toBe(true);
  });

  it('rejects a second file for the same service, naming both paths, and hands over on removal', async () => {
    const one = await specDir({ 'web.edn': 'from one' });
    const two = await specDir();
    const w = await startWatcher([one.path, two.path]);
    await two.write('web.edn', 'from two');
    const conflict = await w.waitFor((e) => e.type === 'conflict');
    expect(conflict).toEqual({
      type: 'conflict',
      service: 'web',
      file: path.join(two.path, 'web.edn'),
      owner: path.join(one.path, 'web.edn'),
    });
    // Editing the rejected file reports nothing new; the first keeps the service.
    await two.write('web.edn', 'from two, edited');
    await w.settle();
    expect(w.events.filter((e) => e.type === 'conflict')).toHaveLength(1);
    expect(w.watcher.snapshot().get('web')?.bytes.toString()).toBe('from one');

    await one.remove('web.edn');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'from two, edited');
    expect(w.watcher.snapshot().get('web')?.file).toBe(path.join(two.path, 'web.edn'));
  });

  it('at startup, the earlier prefix wins a duplicate', async () => {
    const one = await specDir({ 'web.edn': 'one' });
    const two = await specDir({ 'web.edn': 'two' });
    const w = await startWatcher([two.path, one.path]);
    expect(w.watcher.snapshot().get('web')?.bytes.toString()).toBe('two');
    expect(w.events.map((e) => e.type)).toEqual(['changed', 'conflict']);
  });

  it('keeps the services of a prefix that becomes unreadable, and reports it once', async () => {
    // Tests run as root, which reads through permissions: make the prefix unreadable by
    // replacing the directory with a file.
    const dir = await specDir({ 'web.edn': 'v1' });
    const w = await startWatcher([dir.path]);
    const moved = `${dir.path}.moved`;
    await rename(dir.path, moved);
    cleanups.add(() => rename(moved, dir.path).catch(() => undefined));
    await writeFile(dir.path, 'not a directory');
    cleanups.add(() => unlink(dir.path).catch(() => undefined));
    await w.watcher.rescanAll();
    await w.watcher.rescanAll();
    const seen = await w.settle(300);
    expect(seen.filter((e) => e.startsWith('removed'))).toEqual([]);
    expect(seen.filter((e) => e.startsWith('unreadable'))).toHaveLength(1);
    expect(w.watcher.snapshot().has('web')).toBe(true);
  });

  it('catches a change at the next rescan even when no event triggers a scan', async () => {
    const dir = await specDir({ 'web.edn': 'v1' });
    // A debounce far longer than the test: only the rescan can see the change.
    const w = await startWatcher([dir.path], { debounceMs: 60_000 });
    await dir.write('web.edn', 'v2');
    await new Promise((r) => setTimeout(r, 100));
    expect(w.events).toHaveLength(1);
    await w.watcher.rescanAll();
    expect(w.events.map((e) => e.type === 'changed' && e.spec.bytes.toString())).toEqual([
      'v1',
      'v2',
    ]);
  });

  it('kind 14: sees a file rewritten in place with the same size and mtime', async () => {
    const dir = await specDir({ 'web.edn': 'v1' });
    const file = path.join(dir.path, 'web.edn');
    const fixed = new Date('2024-01-01T00:00:00Z'); // tools with fixed timestamps
    await utimes(file, fixed, fixed);
    const w = await startWatcher([dir.path], { debounceMs: 60_000 });
    const before = await stat(file);
    // cp -p: new bytes, same size, same mtime (only the ctime moves).
    const other = path.join(dir.path, 'other');
    await writeFile(other, 'v2');
    await utimes(other, fixed, fixed);
    await copyFile(other, file);
    await utimes(file, fixed, fixed);
    const after = await stat(file);
    expect([after.size, after.mtimeMs, after.ino]).toEqual([
      before.size,
      before.mtimeMs,
      before.ino,
    ]);
    await w.watcher.rescanAll();
    expect(w.events.map((e) => e.type === 'changed' && e.spec.bytes.toString())).toEqual([
      'v1',
      'v2',
    ]);
  });

  it('kind 1: keeps a service whose file becomes a symlink loop or a directory, and says so', async () => {
    const dir = await specDir({ 'web.edn': 'v1', 'api.edn': 'v1' });
    const w = await startWatcher([dir.path], { removalGraceMs: 100 });
    await unlink(path.join(dir.path, 'web.edn'));
    await symlink('web.edn', path.join(dir.path, 'web.edn')); // ELOOP
    await unlink(path.join(dir.path, 'api.edn'));
    await mkdir(path.join(dir.path, 'api.edn')); // EISDIR
    const seen = await w.settle(500);
    expect(seen.filter((e) => e.startsWith('removed'))).toEqual([]);
    expect(seen.filter((e) => e.startsWith('unreadable')).sort()).toEqual([
      'unreadable api.edn',
      'unreadable web.edn',
    ]);
    const loop = w.events.find((e) => e.type === 'unreadable' && e.path.endsWith('web.edn'));
    expect(loop).toMatchObject({ services: ['web'], error: { code: 'ELOOP' } });
    // Readable again with the same bytes: reported, so the error can be cleared.
    await unlink(path.join(dir.path, 'web.edn'));
    await dir.write('web.edn', 'v1');
    await w.waitFor((e) => e.type === 'readable' && e.path.endsWith('web.edn'));
    // Only ENOENT removes: the directory goes, the service goes after the grace period.
    await rm(path.join(dir.path, 'api.edn'), { recursive: true });
    await w.waitFor((e) => e.type === 'removed' && e.service === 'api');
  });

  it('kind 1: a file unreadable at start claims its service; a prefix unreadable at start is incomplete', async () => {
    const dir = await specDir({ 'api.edn': 'v1' });
    await symlink('web.edn', path.join(dir.path, 'web.edn'));
    const missing = `${dir.path}-loop`;
    await symlink(missing, missing); // a prefix whose readdir fails with ELOOP
    cleanups.add(() => unlink(missing));
    const w = await startWatcher([dir.path, missing]);
    expect([...w.watcher.claimed()].sort()).toEqual(['api', 'web']);
    expect(w.watcher.complete()).toBe(false);
    expect(w.watcher.snapshot().has('web')).toBe(false);
  });

  it('kind 8: a persisted owner keeps its service against an earlier prefix', async () => {
    const a = await specDir({ 'web.edn': 'from a' });
    const b = await specDir({ 'web.edn': 'from b' });
    const w = await startWatcher([a.path, b.path], {
      owners: new Map([['web', path.join(b.path, 'web.edn')]]),
    });
    expect(w.watcher.snapshot().get('web')?.file).toBe(path.join(b.path, 'web.edn'));
    expect(w.events.find((e) => e.type === 'conflict')).toMatchObject({
      file: path.join(a.path, 'web.edn'),
      owner: path.join(b.path, 'web.edn'),
    });
    // Once the owner's file is gone for good, the other takes over.
    await b.remove('web.edn');
    await w.waitFor((e) => e.type === 'changed' && e.spec.file === path.join(a.path, 'web.edn'));
  });

  it('kind 1: a prefix readable again reports its files again, so their errors clear', async () => {
    const dir = await specDir({ 'web.edn': 'v1' });
    const w = await startWatcher([dir.path]);
    const moved = `${dir.path}.moved`;
    await rename(dir.path, moved);
    await symlink(dir.path, dir.path);
    cleanups.add(async () => {
      await unlink(dir.path).catch(() => undefined);
      await rename(moved, dir.path).catch(() => undefined);
    });
    await w.watcher.rescanAll();
    expect(w.events.find((e) => e.type === 'unreadable')).toMatchObject({ services: ['web'] });
    await unlink(dir.path);
    await rename(moved, dir.path);
    await w.watcher.rescanAll();
    const seen = await w.settle(100);
    expect(seen.filter((e) => e.startsWith('removed'))).toEqual([]);
    expect(seen.filter((e) => e.startsWith('changed'))).toHaveLength(2);
    expect(seen.at(-1)).toMatch(/^changed web|^readable/);
    expect(w.watcher.complete()).toBe(true);
  });
});
