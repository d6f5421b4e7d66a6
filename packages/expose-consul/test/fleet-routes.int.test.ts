import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createConsulExporter } from '@condo/expose-consul';
import { createApp, globalSourceFromExporter, listen, MemoryStateSource } from '@condo/http-api';
import { Cleanups, startConsulEmulator, testSnapshot } from '@condo/test-utils';
import type { ConsulEmulator } from '@condo/test-utils';

// The fleet routes over a real exporter (Consul, on the emulator: no Consul server here).
let emulator: ConsulEmulator;
const cleanups = new Cleanups();
beforeAll(async () => {
  emulator = await startConsulEmulator();
});
afterAll(async () => {
  await cleanups.run();
  await emulator.stop();
});

async function fleet(hosts: string[]) {
  const exporters = hosts.map((host) =>
    createConsulExporter({ host, instance: `${host}-id`, prefix: 'fleet', endpoint: emulator.url }),
  );
  for (const e of exporters) cleanups.add(() => e.close());
  const api = await listen(
    createApp({ state: new MemoryStateSource(), global: globalSourceFromExporter(exporters[0]!) }),
  );
  cleanups.add(() => api.close());
  return { exporters, api };
}

describe('fleet routes over an exporter', () => {
  it('wait_for answers when the last host is Stable on the image, driven by the watch', async () => {
    const { exporters, api } = await fleet(['h1', 'h2', 'h3']);
    for (const e of exporters) e.publish('web', testSnapshot('Stable', 'web:1'));
    await Promise.all(exporters.map((e) => e.idle()));
    const waiting = fetch(`${api.url}/v1/wait_for?name=web&image=web:2&timeout=20`);
    exporters[0]!.publish('web', testSnapshot('Stable', 'web:2'));
    exporters[1]!.publish('web', testSnapshot('Stable', 'web:2'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    let settled = false;
    void waiting.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    const t0 = performance.now();
    exporters[2]!.publish('web', testSnapshot('Stable', 'web:2'));
    const res = await waiting;
    const ms = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(ms).toBeLessThan(1000);

    const global = (await (await fetch(`${api.url}/v1/global_state`)).json()) as Array<{
      host: string;
    }>;
    expect(global.map((e) => e.host).sort()).toEqual(['h1', 'h2', 'h3']);
  });

  it('with the store stopped, /v1/global_state answers 503 and wait_for 503 unavailable', async () => {
    const { api } = await fleet(['h9']);
    await emulator.stop();
    try {
      const res = await fetch(`${api.url}/v1/global_state`);
      expect(res.status).toBe(503);
      const wait = await fetch(`${api.url}/v1/wait_for?name=web&image=web:2&timeout=1`);
      expect(wait.status).toBe(503);
      expect(await wait.json()).toMatchObject({ status: 'unavailable' });
    } finally {
      await emulator.start();
    }
  });
});
