// Every public @condo/* package as npm would publish it: `tsc -b`, `pnpm pack`, the tarballs
// extracted together into an empty directory, their third-party dependencies linked from this
// workspace (offline: no registry), then each package imported from there, its types checked
// by a consumer, and its README's example run against the tarballs.
//
// A README example is the first ```js (run with node) or ```ts (type-checked) block after a line
// `<!-- example ... -->`. A comment `// -> text` in it is an expectation: `text` must appear in
// the example's standard output, in order; `...` inside `text` skips anything.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadTestEnv, startConsulEmulator } from '@condo/test-utils';
import type { ConsulEmulator } from '@condo/test-utils';

const exec = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const REPOSITORY = 'git+https://github.com/condo-project/condo.git';

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  homepage?: string;
  keywords?: string[];
  repository?: { type?: string; url?: string; directory?: string };
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}

/** The packages npm would publish: every `packages/*` that is not private. */
const PUBLIC = readdirSync(path.join(root, 'packages'))
  .filter((dir) => existsSync(path.join(root, 'packages', dir, 'package.json')))
  .filter((dir) => !readManifest(path.join(root, 'packages', dir)).private)
  .sort();

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** The README's example block, or undefined when it has none. */
export function readmeExample(readme: string): { lang: 'js' | 'ts'; code: string } | undefined {
  const m = /<!-- example[^>]*-->\s*```(js|ts)\n([\s\S]*?)```/.exec(readme);
  return m ? { lang: m[1] as 'js' | 'ts', code: m[2]! } : undefined;
}

/** The `// -> text` expectations of an example, in order. */
export function expectations(code: string): string[] {
  return [...code.matchAll(/\/\/ -> (.*)$/gm)].map((m) => m[1]!.trim());
}

/** Whether `output` holds every expectation in order (`...` skips anything); else the first miss. */
export function missingExpectation(output: string, wanted: readonly string[]): string | null {
  let at = 0;
  for (const line of wanted) {
    for (const piece of line.split('...').map((p) => p.trim())) {
      if (piece === '') continue;
      const found = output.indexOf(piece, at);
      if (found < 0) return line;
      at = found + piece.length;
    }
  }
  return null;
}

let work = '';
let consul: ConsulEmulator | undefined;
const packed = new Map<string, Manifest>(); // dir -> the package.json inside the tarball

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'condo-pack-all-'));
  const tarballs = path.join(work, 'tarballs');
  await mkdir(tarballs);
  await exec('pnpm', ['exec', 'tsc', '-b', ...PUBLIC.map((d) => `packages/${d}`)], { cwd: root });
  await Promise.all(
    PUBLIC.map((dir) =>
      exec('pnpm', ['pack', '--pack-destination', path.join(tarballs, dir)], {
        cwd: path.join(root, 'packages', dir),
      }),
    ),
  );
  await writeFile(path.join(work, 'package.json'), '{"name":"consumer","type":"module"}\n');
  for (const dir of PUBLIC) {
    const tgz = readdirSync(path.join(tarballs, dir)).find((n) => n.endsWith('.tgz'));
    if (tgz === undefined) throw new Error(`pnpm pack wrote no tarball for packages/${dir}`);
    const manifest = readManifest(path.join(root, 'packages', dir));
    const target = path.join(work, 'node_modules', manifest.name);
    await mkdir(target, { recursive: true });
    await exec('tar', [
      '-xzf',
      path.join(tarballs, dir, tgz),
      '-C',
      target,
      '--strip-components=1',
    ]);
    packed.set(dir, readManifest(target));
  }
  // Third-party dependencies: the workspace's installed copies, resolved from each package.
  const linked = new Set<string>();
  const link = async (name: string, from: string) => {
    if (linked.has(name)) return;
    linked.add(name);
    const dest = path.join(work, 'node_modules', name);
    await mkdir(path.dirname(dest), { recursive: true });
    await symlink(realpathSync(path.join(from, 'node_modules', name)), dest);
  };
  for (const [dir, manifest] of packed) {
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      if (!dep.startsWith('@condo/')) await link(dep, path.join(root, 'packages', dir));
    }
  }
  await link('@types/node', root);
  consul = await startConsulEmulator();
}, 180_000);

afterAll(async () => {
  await consul?.stop();
  if (work !== '') await rm(work, { recursive: true, force: true });
});

describe('every public package, packed', () => {
  it('finds the public packages', () => {
    expect(PUBLIC.length).toBeGreaterThanOrEqual(9);
    expect(PUBLIC).toContain('spec-edn');
  });

  it.each(PUBLIC)(
    'packages/%s: the tarball has dist, LICENSE, README and publishable metadata',
    (dir) => {
      const manifest = packed.get(dir)!;
      const inside = path.join(work, 'node_modules', manifest.name);
      expect(existsSync(path.join(inside, 'LICENSE'))).toBe(true);
      expect(existsSync(path.join(inside, 'README.md'))).toBe(true);
      expect(existsSync(path.join(inside, 'dist', 'index.js'))).toBe(true);
      expect(existsSync(path.join(inside, 'dist', 'index.d.ts'))).toBe(true);
      expect(
        readdirSync(inside).filter(
          (f) => !['dist', 'LICENSE', 'README.md', 'CHANGELOG.md', 'package.json'].includes(f),
        ),
      ).toEqual([]);
      expect(JSON.stringify(manifest)).not.toMatch(/"(workspace|catalog):/);
      expect(manifest.license).toBe('MIT');
      expect(readFileSync(path.join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
      expect(manifest.repository).toEqual({
        type: 'git',
        url: REPOSITORY,
        directory: `packages/${dir}`,
      });
      expect(manifest.homepage).toMatch(/^https:\/\//);
      expect(manifest.keywords?.length).toBeGreaterThan(0);
    },
  );

  it.each(PUBLIC)('packages/%s: imports from the empty directory', async (dir) => {
    const name = packed.get(dir)!.name;
    const { stdout } = await exec(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `process.stdout.write(String(Object.keys(await import('${name}')).length))`,
      ],
      { cwd: work },
    );
    // Every package exports values (@condo/types: the state names and CondoError).
    expect(Number(stdout)).toBeGreaterThan(0);
  });

  it("runs condo-lint, spec-edn's bin, from the tarball", async () => {
    const manifest = packed.get('spec-edn')!;
    const bin = path.join(work, 'node_modules', manifest.name, manifest.bin!['condo-lint']!);
    const { stdout } = await exec(process.execPath, [bin, '--help'], { cwd: work });
    expect(stdout).toMatch(/^Usage: condo-lint/);
  });

  it("runs condo, client's bin, from the tarball", async () => {
    const manifest = packed.get('client')!;
    const bin = path.join(work, 'node_modules', manifest.name, manifest.bin!.condo!);
    const { stdout } = await exec(process.execPath, [bin, '--help'], { cwd: work });
    expect(stdout).toMatch(/^condo <command> \[options\]/);
  });

  it('type-checks a consumer of every package and the TypeScript README examples', async () => {
    const imports = [...packed.values()].map((m, i) => `import type * as p${i} from '${m.name}';`);
    const uses = [...packed.values()].map((_m, i) => `p${i}`).join(', ');
    await writeFile(
      path.join(work, 'consumer.ts'),
      `${imports.join('\n')}\nexport type All = [${uses
        .split(', ')
        .map((p) => `typeof ${p}`)
        .join(', ')}];\n`,
    );
    const files = ['consumer.ts'];
    for (const dir of PUBLIC) {
      const example = readmeExample(
        await readFile(path.join(root, 'packages', dir, 'README.md'), 'utf8'),
      );
      if (example?.lang !== 'ts') continue;
      await writeFile(path.join(work, `example-${dir}.ts`), example.code);
      files.push(`example-${dir}.ts`);
    }
    await writeFile(
      path.join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files,
      }),
    );
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const output = await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: work }).then(
      () => '',
      (err: Error & { stdout?: string }) => err.stdout ?? err.message,
    );
    const errors = output.split('\n').filter((l) => /error TS\d+/.test(l));
    // A published declaration that imports a module whose types are only a devDependency.
    const untyped = new Set<string>();
    const others: string[] = [];
    for (const line of errors) {
      const m = /^node_modules\/(@condo\/[^/]+)\/.*TS7016: .*module '([^']+)'/.exec(line);
      if (m) untyped.add(`${m[1]} -> ${m[2]}`);
      else others.push(line);
    }
    expect(others).toEqual([]);
    // A published declaration that needs a module's types has them as a dependency.
    expect([...untyped]).toEqual([]);
  }, 60_000);

  it.each(PUBLIC)(
    "packages/%s: the README's example runs against the tarballs",
    async (dir) => {
      const example = readmeExample(
        await readFile(path.join(root, 'packages', dir, 'README.md'), 'utf8'),
      );
      expect(example).toBeDefined();
      if (example?.lang !== 'js') return; // a ts example is type-checked above
      const wanted = expectations(example.code);
      expect(wanted.length).toBeGreaterThan(0);
      const file = path.join(work, `example-${dir}.mjs`);
      await writeFile(file, example.code);
      const env = loadTestEnv();
      const { stdout } = await exec(process.execPath, [file], {
        cwd: work,
        env: {
          ...process.env,
          DOCKER_HOST: env.dockerHost,
          ETCD_ENDPOINTS: env.etcdEndpoint,
          CONSUL_HTTP_ADDR: consul!.url,
          CONDO_EXAMPLE_IMAGE: env.images.busybox,
        },
        timeout: 60_000,
      });
      expect({ missing: missingExpectation(stdout, wanted), stdout }).toMatchObject({
        missing: null,
      });
    },
    90_000,
  );
});

describe('the README example convention', () => {
  it('finds the marked block and its expectations, in order, with ... as a gap', () => {
    const readme = 'x\n<!-- example -->\n\n```js\nshow(1); // -> a ... c\n// -> d\n```\n';
    const example = readmeExample(readme)!;
    expect(example.lang).toBe('js');
    expect(expectations(example.code)).toEqual(['a ... c', 'd']);
    expect(missingExpectation('a b c\nd\n', ['a ... c', 'd'])).toBeNull();
    expect(missingExpectation('d\na b c\n', ['a ... c', 'd'])).toBe('d');
    expect(missingExpectation('a b\n', ['a ... c'])).toBe('a ... c');
  });
});
