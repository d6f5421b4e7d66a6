// kill -9 of condod with N Stable services -> the restarted condod has reconciled them all.
// Reports the time to `watching` (everything restored and reconciled) and the number of
// containers created by the second run (the target is zero).
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { removeBenchContainers, spec, startCondod, tmp } from './lib.mjs';

const N = Number(process.argv[2] ?? 100);
const prefix = await tmp('condo-bench-specs-');
const state = path.join(await tmp('condo-bench-state-'), 'state.db');
await Promise.all(
  Array.from({ length: N }, (_, i) => writeFile(path.join(prefix, `svc${i}.edn`), spec())),
);
const t0 = Date.now();
const first = startCondod({ prefix, state });
for (let i = 0; i < N; i++)
  await first.waitFor((l) => l.service === `svc${i}` && l.to === 'Stable');
const firstMs = Date.now() - t0;
first.child.kill('SIGKILL');
await first.exited;

const t1 = Date.now();
const second = startCondod({ prefix, state });
await second.waitFor((l) => String(l.msg).startsWith('watching'));
await new Promise((r) => setTimeout(r, 3000));
const created = second.lines.filter(
  (l) => l.event === 'containerCreated' || l.reason === 'containerCreated',
).length;
const transitions = second.lines.filter((l) => l.to !== undefined).length;
const readyMs = second.lines.find((l) => String(l.msg).startsWith('watching')).time - t1;
// Footprint of the restarted condod with N Stable services: RSS, and CPU over 20 idle seconds.
const cpuTicks = () =>
  readFileSync(`/proc/${second.child.pid}/stat`, 'utf8')
    .split(') ')[1]
    .split(' ')
    .slice(11, 13)
    .map(Number)
    .reduce((a, b) => a + b, 0);
const ticks0 = cpuTicks();
await new Promise((r) => setTimeout(r, 20_000));
const idleCpuPct = ((cpuTicks() - ticks0) / 100 / 20) * 100;
const rssMb =
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${second.child.pid}/status`, 'utf8'))[1]) / 1024;
second.child.kill('SIGKILL');
const { removed } = await removeBenchContainers();
console.log(
  `${N} services: empty -> all Stable ${firstMs} ms; kill -9 -> restarted condod reconciled in ` +
    `${readyMs} ms (process start included), ${transitions} state transitions, ${created} containers created ` +
    `(${removed} containers removed afterwards); restarted condod: RSS ${rssMb.toFixed(0)} MB, ` +
    `idle CPU ${idleCpuPct.toFixed(2)} % of one core over 20 s`,
);
