// Saves per second of @condo/store-sqlite on this machine (synchronous=FULL: one fsync of the
// WAL per save). Build first (`pnpm exec tsc -b packages/store-sqlite`), then:
//
//   node packages/store-sqlite/bench/saves.js [--dir DIR] [--saves N] [--services N] [--bytes N]
//
// DIR defaults to the OS temp dir: put it on the disk condod's state will live on, since the
// figure is mostly that disk's fsync latency. Prints one line per round and the median.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openSnapshotStore } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: tmpdir() },
    saves: { type: 'string', default: '5000' },
    services: { type: 'string', default: '500' },
    bytes: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
  },
});
const saves = Number(values.saves);
const services = Number(values.services);
const rounds = Number(values.rounds);
const pad = 'x'.repeat(Number(values.bytes));

const dir = mkdtempSync(path.join(values.dir, 'condo-store-bench-'));
try {
  const store = openSnapshotStore({ path: path.join(dir, 'state.db') });
  const rates = [];
  for (let round = 1; round <= rounds; round++) {
    const start = performance.now();
    for (let i = 0; i < saves; i++) {
      const service = `svc-${i % services}`;
      store.save(service, { revision: `rev-${i}`, snapshot: { state: 'Stable', i, pad } });
    }
    const seconds = (performance.now() - start) / 1000;
    rates.push(saves / seconds);
    console.log(
      `round ${round}: ${saves} saves in ${seconds.toFixed(2)} s = ${Math.round(saves / seconds)} saves/s`,
    );
  }
  // Group commit: the same saves in batches of 50, one transaction (and one fsync) per batch.
  const batchStart = performance.now();
  for (let i = 0; i < saves; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(i + 50, saves); j++) {
      batch.push({
        service: `svc-${j % services}`,
        revision: `rev-${j}`,
        snapshot: { state: 'Stable', j, pad },
      });
    }
    store.saveMany(batch);
  }
  const batchSeconds = (performance.now() - batchStart) / 1000;
  console.log(`saveMany, batches of 50: ${Math.round(saves / batchSeconds)} snapshots/s`);
  const loadStart = performance.now();
  const loaded = store.loadAll().length;
  console.log(`loadAll of ${loaded} snapshots: ${(performance.now() - loadStart).toFixed(1)} ms`);
  store.close();
  rates.sort((a, b) => a - b);
  console.log(
    `median: ${Math.round(rates[Math.floor(rates.length / 2)])} saves/s ` +
      `(${services} services, ~${values.bytes}-byte snapshots, dir ${values.dir})`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
