// The published artefact, end to end: build, `pnpm pack`, `npm install` the tarball in an empty
// directory, then run the `condo-lint` bin and the README's library example from there. The unit
// project runs offline, so the install is too: @condo/types and edn-data are packed from the workspace
// and npm is held offline with a registry that answers nothing. About 5-10 s.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = join(pkgDir, 'test', 'corpus');

let work = '';

async function runBin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(join(work, 'node_modules', '.bin', 'condo-lint'), args, {
      cwd: work,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function runBinWithStdin(
  args: string[],
  input: string,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(work, 'node_modules', '.bin', 'condo-lint'), args, { cwd: work });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
    child.stdin.end(input);
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'condo-spec-edn-pack-'));
  await exec('pnpm', ['exec', 'tsc', '-b'], { cwd: pkgDir });
  await exec('pnpm', ['pack', '--pack-destination', work], { cwd: pkgDir });
  // Its one workspace dependency, the shared vocabulary, is packed the same way.
  await exec('pnpm', ['pack', '--pack-destination', work], { cwd: join(pkgDir, '..', 'types') });
  const ednData = await realpath(join(pkgDir, 'node_modules', 'edn-data'));
  await exec('npm', ['pack', '--ignore-scripts', '--pack-destination', work, ednData], {
    cwd: work,
  });
  const tarballs = (await readdir(work)).filter((n) => n.endsWith('.tgz'));
  if (!tarballs.some((n) => n.startsWith('condo-spec-edn-'))) {
    throw new Error(`pnpm pack wrote no tarball in ${work}: ${tarballs.join(', ')}`);
  }
  await writeFile(join(work, 'package.json'), '{"name":"pack-test","private":true}\n');
  await exec(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', ...tarballs.map((n) => `./${n}`)],
    { cwd: work, env: { ...process.env, npm_config_registry: 'http://127.0.0.1:9/' } },
  );
}, 120_000);

afterAll(async () => {
  if (work !== '') await rm(work, { recursive: true, force: true });
});

jest.setTimeout(30_000);

describe('the packed tarball', () => {
  it('runs condo-lint on a clean file: exit 0', async () => {
    const r = await runBin([join(corpus, 'valid', 'minimal.edn')]);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '1 file checked: 0 errors, 0 warnings\n' });
  });

  it('runs condo-lint on an invalid file: exit 1 with the location', async () => {
    const file = join(corpus, 'invalid', 'deploy-list.edn');
    const r = await runBin([file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${file}:2:10: error ERR_CONDO_SPEC_BAD_DEPLOY `));
  });

  it('runs condo-lint --format json over the valid corpus, self.edn included', async () => {
    const r = await runBin(['--format', 'json', join(corpus, 'valid')]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { files: { kind: string }[]; errorCount: number };
    expect(out.errorCount).toBe(0);
    expect(out.files.filter((f) => f.kind === 'self')).toHaveLength(1);
  });

  it('reads a spec from standard input', async () => {
    const r = await runBinWithStdin(
      ['--stdin-filename', 'web.edn', '-'],
      '{:spec {:Image "nginx:1.25.3"}\n :pull :sometimes}',
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^web\.edn:2:8: error ERR_CONDO_SPEC_INVALID_VALUE /);
  });

  it('exits 2 on a usage error', async () => {
    expect((await runBin([])).code).toBe(2);
  });

  it("runs the README's library example", async () => {
    const readme = await readFile(join(pkgDir, 'README.md'), 'utf8');
    const example = /<!-- example[^>]*-->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    await writeFile(join(work, 'example.mjs'), example ?? '');
    const { stdout } = await exec('node', ['example.mjs'], { cwd: work });
    expect(stdout).toContain(
      'specs/web.edn:2:31: error ERR_CONDO_SPEC_NAME_WITH_AFTER a fixed container :Name cannot be used with [:After 5]',
    );
    expect(stdout).toContain("web { kind: 'Before' } { Image: 'nginx:1.25.3' } 64");
    expect(stdout).toContain('{:Image "redis:7.2" :ExposedPorts {"6379/tcp" {}}}');
    expect(stdout).toContain(':deploy [:After 3]');
  });
});
