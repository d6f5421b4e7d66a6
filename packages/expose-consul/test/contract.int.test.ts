import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createConsulExporter } from '@condo/expose-consul';
import {
  exporterContract,
  showInTestOutput,
  startConsulEmulator,
  testSnapshot,
} from '@condo/test-utils';
import type { ConsulEmulator, ExporterHarness } from '@condo/test-utils';

// No Consul server can be installed here: the contract runs against the emulator of
// @condo/test-utils, which requires the token, so every passing call proves the client sends it.
const TOKEN = 'condo-secret-token-4b1d';
let emulator: ConsulEmulator;
const figures: string[] = [];
beforeAll(async () => {
  emulator = await startConsulEmulator({ token: TOKEN });
});
afterAll(async () => {
  await emulator?.stop();
  showInTestOutput('consul exporter figures (emulator)', figures.join('\n'));
});

const harness: ExporterHarness = {
  create: (options) =>
    createConsulExporter({
      ...options,
      env: { CONSUL_HTTP_ADDR: emulator.url.replace(/^http:\/\//, ''), CONSUL_HTTP_TOKEN: TOKEN },
      requestTimeoutMs: 1000,
      watchWaitMs: 5000,
    }),
  stopStore: () => emulator.stop(),
  startStore: () => emulator.start(),
  dropLeases() {
    for (const id of emulator.sessionIds()) emulator.invalidate(id);
    return Promise.resolve();
  },
  // Consul's smallest TTL; it reaps sessions within twice the TTL.
  ttlMs: 10_000,
  renewMs: 3000,
  expiryGraceMs: 11_000,
  secret: TOKEN,
  report: (name, value) => figures.push(`  ${name}: ${value}`),
};

describe('consul exporter contract (emulator)', () =>
  exporterContract({ it, expect, afterEach }, () => harness));

describe('consul exporter specifics', () => {
  it('reads CONSUL_HTTP_ADDR and CONSUL_HTTP_TOKEN; without the token nothing is published', async () => {
    const anonymous = createConsulExporter({
      host: 'h',
      instance: 'i-anon',
      prefix: 'condo-anon',
      env: { CONSUL_HTTP_ADDR: emulator.url },
    });
    anonymous.publish('api', testSnapshot('Stable', 'api:1'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(anonymous.status()).toMatchObject({ connected: false, pending: 1 });
    expect(anonymous.status().lastError).toMatch(/403/);
    await anonymous.close();
  });

  it('writes under the normalised prefix, acquired by a delete-behaviour session', async () => {
    const a = createConsulExporter({
      host: 'h',
      instance: 'i-1',
      prefix: '//condo-norm/',
      endpoint: emulator.url,
      token: TOKEN,
    });
    a.publish('api', testSnapshot('Stable', 'api:1'));
    await a.idle();
    expect(JSON.parse(emulator.get('condo-norm/api/i-1')!)).toMatchObject({
      host: 'h',
      instance: 'i-1',
      service: 'api',
    });
    await a.close();
    // close() destroys the session: Behavior=delete removes the key at once.
    expect(emulator.get('condo-norm/api/i-1')).toBeUndefined();
  });
});
