import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createEtcdExporter } from '@condo/expose-etcd';
import {
  exporterContract,
  loadTestEnv,
  showInTestOutput,
  startPrivateEtcd,
} from '@condo/test-utils';
import type { ExporterHarness, PrivateEtcd } from '@condo/test-utils';
import { Etcd3 } from 'etcd3';

// The shared etcd of the test environment for the ordinary cases; a private etcd of this file's
// own for the ones that stop the store, so nobody else's etcd ever goes down.
let privateEtcd: PrivateEtcd;
const figures: string[] = [];
beforeAll(async () => {
  privateEtcd = await startPrivateEtcd();
}, 30_000);
afterAll(async () => {
  await privateEtcd?.dispose();
  showInTestOutput('etcd exporter figures', figures.join('\n'));
});

const harness: ExporterHarness = {
  create: (options, where) =>
    createEtcdExporter({
      ...options,
      endpoints: where === 'shared' ? loadTestEnv().etcdEndpoint : privateEtcd.endpoint,
      requestTimeoutMs: 1000,
    }),
  stopStore: () => privateEtcd.stop(),
  startStore: () => privateEtcd.start(),
  async dropLeases() {
    const client = new Etcd3({ hosts: privateEtcd.endpoint });
    try {
      const { leases } = await client.leaseClient.leaseLeases({});
      await Promise.all(leases.map((l) => client.leaseClient.leaseRevoke({ ID: l.ID })));
    } finally {
      client.close();
    }
  },
  ttlMs: 2000,
  renewMs: 500,
  // etcd's lessor checks expiries every 500 ms.
  expiryGraceMs: 2000,
  report: (name, value) => figures.push(`  ${name}: ${value}`),
};

describe('etcd exporter contract', () =>
  exporterContract({ it, expect, afterEach }, () => harness));
