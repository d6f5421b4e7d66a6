// The README's example, run as it is against the built package (its `// -> text` comments are
// the expected output, in order).
import { beforeAll, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildPackage, packageDir } from './helpers.js';

const exec = promisify(execFile);

beforeAll(buildPackage, 120_000);

it('the README example runs and prints what its comments say', async () => {
  const readme = await readFile(path.join(packageDir, 'README.md'), 'utf8');
  const code = /<!-- example[^>]*-->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toContain("from '@condo/client'");
  // Inside the package, so that '@condo/client' resolves to its own dist (and @condo/http-api,
  // a devDependency, to the workspace's).
  const script = path.join(packageDir, '.tsbuild', 'readme-example.mjs');
  await mkdir(path.dirname(script), { recursive: true });
  await writeFile(script, code!);
  const { stdout } = await exec(process.execPath, [script], { timeout: 20_000 });
  const wanted = [...code!.matchAll(/\/\/ -> (.*)$/gm)].map((m) => m[1]!.trim());
  expect(wanted).toHaveLength(4);
  let at = 0;
  for (const line of wanted) {
    const found = stdout.indexOf(line, at);
    expect({ line, found: found >= 0, stdout }).toMatchObject({ found: true });
    at = found + line.length;
  }
});
