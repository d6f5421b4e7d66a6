import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpecDir } from '@condo/test-utils';
import { makeSpecDir } from '@condo/test-utils';
import { SpecReadError, loadSpecFile, readSpecDir, readSpecFile, runLint } from '@condo/spec-edn';

const dirs: SpecDir[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => d.cleanup()));
});

async function specDir(files: Record<string, string>): Promise<SpecDir> {
  const dir = await makeSpecDir(files);
  dirs.push(dir);
  return dir;
}

async function run(
  argv: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runLint(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    ...(stdin === undefined ? {} : { readStdin: () => Promise.resolve(stdin) }),
  });
  return { code, stdout, stderr };
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const GOOD = '{:spec {:Image "nginx:1.25.3"}}\n';
const WARNS = '{:spec {:Image "nginx"}}\n';
const BAD = '{:spec {:Image "nginx:1.25.3"}\n :deploy (:After 5)}\n';

describe('condo-lint', () => {
  it('exits 0 on clean files and prints nothing on stdout', async () => {
    const dir = await specDir({ 'web.edn': GOOD });
    const r = await run([join(dir.path, 'web.edn')]);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '1 file checked: 0 errors, 0 warnings\n' });
  });

  it('prints file:line:col: severity code message and exits 1 on errors', async () => {
    const dir = await specDir({ 'web.edn': BAD });
    const file = join(dir.path, 'web.edn');
    const r = await run([file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `${file}:2:10: error ERR_CONDO_SPEC_BAD_DEPLOY :deploy must be a vector [...], not a list (...): expected [:Before] or [:After n] with n >= 0 seconds\n`,
    );
  });

  it('exits 0 with warnings, 1 with --strict', async () => {
    const dir = await specDir({ 'web.edn': WARNS });
    const file = join(dir.path, 'web.edn');
    const lax = await run([file]);
    expect(lax.code).toBe(0);
    expect(lax.stdout).toMatch(/^.*web\.edn:1:16: warning WARN_CONDO_SPEC_IMAGE_UNPINNED /);
    const strict = await run(['--strict', file]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/^.*web\.edn:1:16: error WARN_CONDO_SPEC_IMAGE_UNPINNED /);
  });

  it('lints a directory like a daemon prefix, self.edn as the daemon body', async () => {
    const dir = await specDir({
      'web.edn': GOOD,
      'api.edn': BAD,
      'self.edn': '{:Image "condo/condod:1.0.0"}\n',
      '.hidden.edn': 'garbage',
      'notes.txt': 'garbage',
      'web.edn~': 'garbage',
    });
    await mkdir(join(dir.path, 'sub.edn'));
    const r = await run(['--format', 'json', dir.path]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      files: { file: string; kind: string; ok: boolean; errors: { code: string }[] }[];
      errorCount: number;
      warningCount: number;
    };
    expect(out.files.map((f) => [f.file, f.kind, f.ok])).toEqual([
      [join(dir.path, 'api.edn'), 'service', false],
      [join(dir.path, 'self.edn'), 'self', true],
      [join(dir.path, 'web.edn'), 'service', true],
    ]);
    expect(out.files[0]?.errors.map((e) => e.code)).toEqual(['ERR_CONDO_SPEC_BAD_DEPLOY']);
    expect(out.errorCount).toBe(1);
    expect(out.warningCount).toBe(0);
  });

  it('flags a file name found in two directories, the first directory winning', async () => {
    const d1 = await specDir({ 'web.edn': GOOD, 'api.edn': GOOD });
    const d2 = await specDir({ 'web.edn': GOOD, 'db.edn': GOOD });
    const first = join(d1.path, 'web.edn');
    const second = join(d2.path, 'web.edn');
    const r = await run([d1.path, d2.path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `${second}:1:1: error ERR_CONDO_SPEC_DUPLICATE_SERVICE service "web" is already defined by ${first}: a daemon watching both directories runs ${first} and ignores this file\n`,
    );
    expect(r.stderr).toBe('4 files checked: 1 error, 0 warnings\n');
    // In the other order, the other file is the duplicate.
    const reversed = await run([d2.path, d1.path]);
    expect(reversed.stdout).toMatch(new RegExp(`^${escape(first)}:1:1: error `));
  });

  it('flags the duplicate even when the first file is invalid, and self.edn too', async () => {
    const self = '{:Image "condo/condod:1.0.0"}\n';
    const d1 = await specDir({ 'web.edn': BAD, 'self.edn': self });
    const d2 = await specDir({ 'web.edn': GOOD, 'self.edn': self });
    const r = await run(['--format', 'json', d1.path, d2.path]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      files: { file: string; ok: boolean; errors: { code: string; line: number }[] }[];
    };
    expect(out.files.map((f) => [f.file, f.ok, f.errors.map((e) => e.code)])).toEqual([
      [join(d1.path, 'self.edn'), true, []],
      [join(d1.path, 'web.edn'), false, ['ERR_CONDO_SPEC_BAD_DEPLOY']],
      [join(d2.path, 'self.edn'), false, ['ERR_CONDO_SPEC_DUPLICATE_SERVICE']],
      [join(d2.path, 'web.edn'), false, ['ERR_CONDO_SPEC_DUPLICATE_SERVICE']],
    ]);
  });

  it('only warns when a file argument repeats a service name', async () => {
    const d1 = await specDir({ 'web.edn': GOOD });
    const d2 = await specDir({ 'web.edn': GOOD });
    const first = join(d1.path, 'web.edn');
    const second = join(d2.path, 'web.edn');
    for (const argv of [
      [first, second],
      [d1.path, second],
      [first, d2.path],
    ]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        `${second}:1:1: warning WARN_CONDO_SPEC_DUPLICATE_SERVICE service "web" is already defined by ${first}: a daemon runs one file per service name, the first of its prefixes that holds one\n`,
      );
      expect((await run(['--strict', ...argv])).code).toBe(1);
    }
    const stdin = await run([first, '--stdin-filename', 'other/web.edn', '-'], GOOD);
    expect(stdin.stdout).toMatch(
      /^other\/web\.edn:1:1: warning WARN_CONDO_SPEC_DUPLICATE_SERVICE /,
    );
  });

  it('does not count one file given twice as a duplicate', async () => {
    const d1 = await specDir({ 'web.edn': GOOD });
    const r = await run([d1.path, join(d1.path, 'web.edn'), `${d1.path}/`]);
    expect(r).toMatchObject({ code: 0, stdout: '' });
  });

  it('reads standard input for -, named by --stdin-filename', async () => {
    const r = await run(['--stdin-filename', 'specs/web.edn', '-'], BAD);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^specs\/web\.edn:2:10: error ERR_CONDO_SPEC_BAD_DEPLOY /);
    const self = await run(['--stdin-filename', 'self.edn', '-'], '{:spec {:Image "a:1"}}');
    expect(self.stdout).toMatch(/^self\.edn:1:2: error ERR_CONDO_SPEC_SELF_WRAPPED /);
    const anonymous = await run(['-'], GOOD);
    expect(anonymous.code).toBe(0);
    expect((await run(['-'])).code).toBe(2);
  });

  it('exits 2 on usage errors', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['--format', 'xml', 'x.edn'])).code).toBe(2);
    expect((await run(['--bogus', 'x.edn'])).code).toBe(2);
    const missing = await run(['/nonexistent/dir/web.edn']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/nonexistent/dir/web.edn');
  });

  it('prints help and version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: condo-lint');
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('loaders', () => {
  it('readSpecFile lints a file, loadSpecFile throws SpecInvalidError with the location', async () => {
    const dir = await specDir({ 'web.edn': GOOD, 'api.edn': BAD });
    const web = await readSpecFile(join(dir.path, 'web.edn'));
    expect(web.spec).toMatchObject({ name: 'web', file: join(dir.path, 'web.edn') });
    await expect(loadSpecFile(join(dir.path, 'api.edn'))).rejects.toMatchObject({
      code: 'ERR_CONDO_SPEC_INVALID',
      file: join(dir.path, 'api.edn'),
      line: 2,
      column: 10,
    });
  });

  it('throws SpecReadError with the fs error as cause', async () => {
    const err: unknown = await readSpecFile('/nonexistent/web.edn').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecReadError);
    expect(err).toMatchObject({ code: 'ERR_CONDO_SPEC_READ', cause: { code: 'ENOENT' } });
  });

  it('reports a file that is not UTF-8 and a file too large before reading it', async () => {
    const dir = await specDir({});
    const latin1 = join(dir.path, 'latin1.edn');
    await writeFile(latin1, Buffer.from([0x7b, 0xe9, 0x7d]));
    const r = await readSpecFile(latin1);
    expect(r.errors.map((e) => [e.code, e.line, e.column])).toEqual([
      ['ERR_CONDO_SPEC_ENCODING', 1, 2],
    ]);
    const big = join(dir.path, 'big.edn');
    await writeFile(big, ' '.repeat(2048));
    const tooBig = await readSpecFile(big, { maxBytes: 1024 });
    expect(tooBig.errors.map((e) => e.code)).toEqual(['ERR_CONDO_SPEC_TOO_LARGE']);
  });

  it('readSpecDir skips hidden files, other names and directories', async () => {
    const dir = await specDir({ 'a.edn': GOOD, '.#a.edn': GOOD, 'b.edn.swp': GOOD });
    await mkdir(join(dir.path, 'c.edn'));
    const entries = await readSpecDir(dir.path);
    expect(entries.map((e) => [e.name, e.kind])).toEqual([['a', 'service']]);
  });
});
