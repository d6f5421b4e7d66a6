// Hostile spec files: thousands of generated bad files dropped into a watched directory while a
// good service runs (huge, binary, deeply nested, thousands of keys, invalid UTF-8, symlinks out
// of the prefix and in loops, FIFOs, directories, files rewritten while read). condod stays up,
// the good service is untouched, each file's error is reported once, memory stays bounded, and a
// FIFO never blocks the watcher. Figures (seed, counts, error codes, peak RSS) go to
// test-artifacts/hostile.json.
import { execFile } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import {
  apiUrl,
  containersOf,
  e2eSuite,
  eventually,
  httpGet,
  spec,
  startCondod,
} from './harness.js';
import { recordFigures } from './chaos-engine.js';
import { Random, rssOf, seedFromEnv } from './chaos-random.js';

jest.setTimeout(300_000);
const env = loadTestEnv();
const suite = e2eSuite();
const FILES = Number(process.env.HOSTILE_FILES ?? 2000);
/** condod's resident memory may not grow past this while it reads the files. */
const MAX_RSS_BYTES = 400 * 1024 * 1024;

type Kind =
  | 'huge'
  | 'binary'
  | 'deep'
  | 'wide'
  | 'badUtf8'
  | 'symlinkOut'
  | 'symlinkLoop'
  | 'fifo'
  | 'directory'
  | 'truncated'
  | 'wrongTypes'
  | 'mutating';

const KINDS: Kind[] = [
  'huge',
  'binary',
  'deep',
  'wide',
  'badUtf8',
  'symlinkOut',
  'symlinkLoop',
  'fifo',
  'directory',
  'truncated',
  'wrongTypes',
  'mutating',
];

/** The bytes of one bad spec of `kind` (or null for the kinds that are no plain file). */
function badBytes(rnd: Random, kind: Kind): Buffer | null {
  switch (kind) {
    case 'huge': // few of them: 2 MiB each
      return Buffer.alloc(2 * 1024 * 1024 + rnd.int(0, 1000), '{:spec {:Image "x"}} ');
    case 'binary':
      return rnd.bytes(rnd.int(1, 4096));
    case 'deep': {
      const depth = rnd.int(200, 20_000);
      return Buffer.from(`{:spec ${'['.repeat(depth)}${']'.repeat(rnd.chance(0.5) ? depth : 0)}}`);
    }
    case 'wide': {
      const keys = Array.from({ length: rnd.int(1000, 5000) }, (_, i) => `:k${i} ${i}`);
      return Buffer.from(`{:spec {:Image 42 ${keys.join(' ')}} ${keys.join(' ')}}`);
    }
    case 'badUtf8':
      return Buffer.concat([
        Buffer.from('{:spec {:Image "'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('"}}'),
      ]);
    case 'truncated':
      return Buffer.from(
        '{:spec {:Image "condo-test/busybox:1" :Env ["A=1" '.slice(0, rnd.int(1, 45)),
      );
    case 'wrongTypes':
      return Buffer.from(
        rnd.pick([
          '{:spec {:Image 42}}',
          '{:spec []}',
          '[:spec]',
          '{:deploy [:After -1] :spec {:Image "x"}}',
          '{:deploy [:Sideways] :spec {:Image "x"}}',
          '{:spec {:Image "x"} :spec {:Image "y"}}',
          '{:spec {:Image "x" :HostConfig {:PortBindings {"80/tcp" [{:HostPort "99999"}]}}}}',
          '{:health-timeout 1e999 :spec {:Image "x"}}',
          '',
          '   ;; only a comment',
          '{:spec {:Image "x"}} {:spec {:Image "y"}}',
        ]),
      );
    default:
      return null;
  }
}

describe('hostile spec files', () => {
  it(`${FILES} generated bad files: condod stays up, the good service is untouched, each error once, memory bounded`, async () => {
    const rnd = new Random(seedFromEnv());
    const outside = path.join(suite.scratch, 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(path.join(outside, 'target.edn'), spec(env.images.healthy));
    const dir = await makeSpecDir({
      'good.edn': spec(env.images.healthy, { extra: ':pull :never' }),
    });
    suite.cleanups.add(() => dir.cleanup());
    const { condod } = startCondod(suite, [dir.path], {
      args: ['--server', '0', '--rescan-interval', '3'],
    });
    const base = await apiUrl(condod);
    await condod.waitForState('good', 'Stable', { timeoutMs: 60_000 });
    const [goodBefore] = await containersOf(suite.run, 'good');

    let peakRss = rssOf(condod.pid);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(condod.pid))), 100);
    suite.cleanups.add(() => clearInterval(sampler));

    // Generate: a kind per file (huge ones rare), written in batches of 100.
    const counts: Partial<Record<Kind, number>> = {};
    const fifos: string[] = [];
    const mutating: string[] = [];
    const names: string[] = [];
    for (let i = 0; i < FILES; i++) {
      let kind = rnd.pick(KINDS);
      if (kind === 'huge' && (counts.huge ?? 0) >= 5) kind = 'binary';
      if (kind === 'mutating' && (counts.mutating ?? 0) >= 20) kind = 'wrongTypes';
      counts[kind] = (counts[kind] ?? 0) + 1;
      const name = `bad-${kind}-${i}`;
      const file = path.join(dir.path, `${name}.edn`);
      names.push(name);
      const bytes = badBytes(rnd, kind);
      if (bytes) await writeFile(file, bytes);
      else if (kind === 'symlinkOut')
        await symlink(
          rnd.pick([path.join(outside, 'target.edn'), '/etc/passwd', '/dev/zero']),
          file,
        );
      else if (kind === 'symlinkLoop') await symlink(`${name}.edn`, file);
      else if (kind === 'fifo') fifos.push(file);
      else if (kind === 'directory') await mkdir(file);
      else if (kind === 'mutating') {
        mutating.push(file);
        await writeFile(file, rnd.bytes(100));
      }
      if (fifos.length >= 100 || (i === FILES - 1 && fifos.length)) {
        await promisify(execFile)('mkfifo', fifos.splice(0));
      }
    }
    // Files rewritten while condod reads them, for 5 s.
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      for (const file of mutating) await writeFile(file, rnd.bytes(rnd.int(10, 200_000)));
    }
    // A good file dropped after all of it must still deploy (no FIFO blocked the watcher).
    await dir.write('late.edn', spec(env.images.healthy, { extra: ':pull :never' }));
    await condod.waitForState('late', 'Stable', { timeoutMs: 120_000 });

    // Every file that is a file (not a directory) ends up with an error of its service.
    const expectError = names.filter((n) => !n.startsWith('bad-directory-'));
    type Entry = { lastError?: { code: string; message: string } | null; state: string };
    const missing = (s: Record<string, Entry>) => expectError.filter((n) => !s[n]?.lastError);
    const state = await eventually(
      async () => (await httpGet(`${base}/v1/state`)).body as Record<string, Entry>,
      (s) => missing(s).length === 0,
      120_000,
    ).catch(async () => {
      const s = (await httpGet(`${base}/v1/state`)).body as Record<string, Entry>;
      throw new Error(`no error reported for: ${missing(s).slice(0, 20).join(', ')}`);
    });
    // Reported once: after two more full rescans nothing new is logged about the files.
    const logged = (): number =>
      condod.lines.filter(
        (l) =>
          l.level >= 40 &&
          `${l.service ?? ''}${typeof l.path === 'string' ? l.path : ''}`.includes('bad-') &&
          !`${l.service ?? ''}`.includes('mutating'),
      ).length;
    const before = logged();
    await new Promise((r) => setTimeout(r, 7000));
    expect(logged()).toBe(before);

    const [goodAfter] = await containersOf(suite.run, 'good');
    expect([goodAfter!.Id, goodAfter!.State]).toEqual([goodBefore!.Id, 'running']);
    expect((await containersOf(suite.run, 'good')).length).toBe(1);
    for (const n of names) expect(await containersOf(suite.run, n).then((l) => l.length)).toBe(0);
    clearInterval(sampler);
    expect(peakRss).toBeLessThan(MAX_RSS_BYTES);
    expect(await Promise.race([condod.exited, Promise.resolve('alive')])).toBe('alive');

    const codes = new Map<string, number>();
    for (const n of expectError) {
      const e = state[n]!.lastError!;
      const key =
        e.code === 'ERR_CONDO_SPEC_READ'
          ? `${e.code} (${/: ([A-Z_]+);/.exec(e.message)?.[1] ?? '?'})`
          : e.code;
      codes.set(key, (codes.get(key) ?? 0) + 1);
    }
    await recordFigures('hostile', {
      specFiles: {
        seed: rnd.seed,
        files: FILES,
        kinds: counts,
        errorCodes: Object.fromEntries([...codes].sort()),
        peakRssBytes: peakRss,
        warnOrErrorLogLines: before,
      },
    });
  });
});
