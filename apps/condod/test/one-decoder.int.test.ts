// Kind 11: condod reads spec files through @condo/spec-edn's strict decoder, like condo-lint.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { containersOf, e2eSuite, sleep, spec, startCondod } from './harness.js';

jest.setTimeout(90_000);
const env = loadTestEnv();
const suite = e2eSuite();

describe('kind 11: one decoder', () => {
  it('rejects a spec file with invalid UTF-8, naming its byte offset, and deploys nothing', async () => {
    const dir = await makeSpecDir();
    suite.cleanups.add(() => dir.cleanup());
    const text = spec(env.images.healthy, { env: ['GREETING=caf\u00e9'] });
    // Latin-1 "é" (0xe9) where UTF-8 needs two bytes.
    const bytes = Buffer.from(text.replace('\u00e9', '\u0000'), 'utf8');
    const at = bytes.indexOf(0);
    bytes[at] = 0xe9;
    await writeFile(path.join(dir.path, 'web.edn'), bytes);

    const { condod } = startCondod(suite, [dir.path]);
    const line = await condod.waitFor(
      (l) => l.service === 'web' && l.error?.code === 'ERR_CONDO_SPEC_ENCODING',
    );
    expect(line.error?.message).toContain(`byte offset ${at}`);
    await condod.waitFor((l) => /^watching/.test(l.msg));
    await sleep(1500);
    expect(await containersOf(suite.run, 'web')).toEqual([]);
  });

  it('a spec file over 1 MiB: ERR_CONDO_SPEC_TOO_LARGE as condo-lint says it, no stack trace, the running service kept', async () => {
    const dir = await makeSpecDir({ 'big.edn': spec(env.images.healthy) });
    suite.cleanups.add(() => dir.cleanup());
    const { condod } = startCondod(suite, [dir.path]);
    await condod.waitForState('big', 'Stable');
    const [running] = await containersOf(suite.run, 'big');
    const mark = condod.lines.length;
    // A valid spec padded with a comment past the limit.
    await writeFile(
      path.join(dir.path, 'big.edn'),
      `${spec(env.images.healthy, { env: ['REV=2'] })};${'x'.repeat(1_100_000)}\n`,
    );
    const line = await condod.waitFor(
      (l) => l.service === 'big' && l.error?.code === 'ERR_CONDO_SPEC_TOO_LARGE',
      { from: mark },
    );
    expect(line.error?.message).toMatch(/more than the 1048576 a spec file may hold/);
    expect(condod.output.slice(0)).not.toMatch(/EFBIG|"stack"/);
    expect((await containersOf(suite.run, 'big')).map((c) => c.Id)).toEqual([running!.Id]);
  });
});
