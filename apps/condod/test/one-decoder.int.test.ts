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
});
