import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createConsulExporter, createConsulStore } from '@condo/expose-consul';
import { startConsulEmulator, testSnapshot } from '@condo/test-utils';
import type { ConsulEmulator } from '@condo/test-utils';

// A daemon killed with -9 never destroys its session: its keys stay locked until Consul reaps
// the session (up to twice the TTL). The restarted daemon has the same instance id (same state
// database) and must take its keys back at once; nobody else's.
let emulator: ConsulEmulator;
beforeAll(async () => {
  emulator = await startConsulEmulator();
});
afterAll(() => emulator?.stop());

const store = () =>
  createConsulStore({ env: { CONSUL_HTTP_ADDR: emulator.url }, requestTimeoutMs: 1000 });

describe('a restart after kill -9 (Consul)', () => {
  it('takes back the keys its killed predecessor (same instance id) still holds, without deleting them', async () => {
    const killed = store();
    const oldSession = await killed.open(10_000, 'i-1');
    await killed.put(oldSession, 'condo/web/i-1', 'old');
    await killed.close(); // no release: as kill -9 leaves it

    const restarted = store();
    const session = await restarted.open(10_000, 'i-1');
    await restarted.put(session, 'condo/web/i-1', 'new');
    expect(await restarted.list('condo/')).toEqual([{ key: 'condo/web/i-1', value: 'new' }]);
    // The key is bound to the new session now: the old one expiring deletes nothing.
    emulator.invalidate(oldSession);
    expect(await restarted.list('condo/')).toEqual([{ key: 'condo/web/i-1', value: 'new' }]);
    await restarted.release(session);
    expect(await restarted.list('condo/')).toEqual([]);
    await restarted.close();
  });

  it('leaves a key held by another instance locked: the put fails with ERR_CONDO_EXPOSE_KEY_BUSY', async () => {
    const holder = store();
    const held = await holder.open(10_000, 'i-1');
    await holder.put(held, 'condo/api/i-1', 'theirs');

    const other = store();
    const session = await other.open(10_000, 'i-2');
    await expect(other.put(session, 'condo/api/i-1', 'mine')).rejects.toMatchObject({
      code: 'ERR_CONDO_EXPOSE_KEY_BUSY',
    });
    expect(await other.list('condo/api/')).toEqual([{ key: 'condo/api/i-1', value: 'theirs' }]);
    await holder.release(held);
    await other.release(session);
    await Promise.all([holder.close(), other.close()]);
  });

  it('publishes at once through the exporter of a restarted daemon, with the old session alive', async () => {
    const options = {
      host: 'h1',
      instance: 'i-9',
      prefix: 'restart',
      env: { CONSUL_HTTP_ADDR: emulator.url },
      requestTimeoutMs: 1000,
    };
    const killed = store();
    const oldSession = await killed.open(10_000, 'i-9');
    await killed.put(oldSession, 'restart/web/i-9', 'left over');
    await killed.close();

    const exporter = createConsulExporter(options);
    exporter.publish('web', testSnapshot('Stable', 'web:2'));
    // Before the old session expires (10 s TTL, reaped within 20 s).
    await Promise.race([exporter.idle(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    expect(exporter.status()).toMatchObject({ connected: true, pending: 0 });
    expect(emulator.sessionIds()).toContain(oldSession);
    const [entry] = await store().list('restart/web/');
    expect(JSON.parse(entry!.value)).toMatchObject({ host: 'h1', instance: 'i-9' });
    await exporter.close();
  });
});
