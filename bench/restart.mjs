// kill -9 of condod with N Stable services -> the restarted condod has reconciled them all.
// Reports the time to `watching` (everything restored and reconciled) and the number of
// containers created by the second run (the target is zero).
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
second.child.kill('SIGKILL');
const { removed } = await removeBenchContainers();
console.log(
  `${N} services: empty -> all Stable ${firstMs} ms; kill -9 -> restarted condod reconciled in ` +
    `${readyMs} ms (process start included), ${transitions} state transitions, ${created} containers created ` +
    `(${removed} containers removed afterwards)`,
);
