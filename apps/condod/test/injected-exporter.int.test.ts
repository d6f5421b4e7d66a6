// startDaemon with an injected state exporter (the real etcd one, on the test environment's etcd
// under a prefix of this run only): what the daemon runs is published through it, the fleet view
// and the `exposure` health check come from it, and close() withdraws this host at once.
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { connectDockerDriver } from '@condo/docker-driver';
import { createEtcdExporter } from '@condo/expose-etcd';
import { openSnapshotStore } from '@condo/store-sqlite';
import { Cleanups, dockerTestRun, loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { startDaemon } from '../src/daemon.js';
import { createLogger } from '../src/logger.js';
import { eventually, scratchDir, spec } from './harness.js';

const env = loadTestEnv();
const run = dockerTestRun();
const cleanups = new Cleanups();
afterEach(() => cleanups.run());
afterAll(() => run.cleanup());

/** An etcd exporter on the test environment's etcd under `prefix`. */
function etcdExporter(prefix: string, host: string, instance: string) {
  const exporter = createEtcdExporter({ endpoints: [env.etcdEndpoint], prefix, host, instance });
  cleanups.add(() => exporter.close());
  return exporter;
}

describe('startDaemon given an exporter', () => {
  it('publishes each service through it, serves the fleet view from it, and withdraws on close', async () => {
    const prefix = `condo-injected/${run.runId}`;
    const dir = await makeSpecDir({
      'web.edn': spec(env.images.healthy, { extra: ':pull :never ' }),
    });
    cleanups.add(() => dir.cleanup());
    const scratch = await scratchDir();
    cleanups.add(() => scratch.cleanup());
    const statePath = path.join(scratch.path, 'state.db');
    const store = openSnapshotStore({ path: statePath });
    const logs = new PassThrough().resume();

    // As the CLI does: the exporter is named after the store's instance id.
    const exporter = etcdExporter(prefix, 'injected-host', store.instanceId);
    const daemon = await startDaemon(
      { driver: await connectDockerDriver({ endpoint: env.dockerHost }), store, exporter },
      {
        prefixes: [dir.path],
        statePath,
        containerLabels: run.labels,
        logger: createLogger({ format: 'json', level: 'warn', destination: logs }),
        exporterLabel: { store: 'etcd', where: `etcd ${env.etcdEndpoint} under ${prefix}` },
      },
    );
    cleanups.add(() => daemon.close());

    // web reaches Stable, and etcd holds that state, under this host and instance.
    const reader = etcdExporter(prefix, 'reader', 'reader');
    const entries = await eventually(
      () => reader.readService('web'),
      (es) => es.length === 1 && es[0]!.snapshot.state === 'Stable',
      20_000,
    );
    expect(entries[0]).toMatchObject({
      host: 'injected-host',
      instance: daemon.instanceId,
      service: 'web',
      snapshot: { current: { id: daemon.services().get('web')!.current!.id } },
    });

    // The fleet view and the health check are the exporter's.
    expect(await daemon.exposure!.global.read()).toEqual([
      expect.objectContaining({ host: 'injected-host', service: 'web' }),
    ]);
    expect(daemon.exposure!.health(daemon.health()).checks?.exposure).toEqual({
      ok: true,
      detail: expect.stringMatching(/^etcd .* under condo-injected\/.*: connected/),
    });

    // close() releases the lease: this host's entry goes at once, not after the 10 s TTL.
    await daemon.close();
    expect(await reader.readAll()).toEqual([]);
  }, 60_000);
});
