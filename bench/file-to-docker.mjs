// A spec file written -> condod's first Docker call for it. The first Docker call (the pull)
// is issued synchronously right after the `Init -> Wait` transition is logged, so that log
// line's own timestamp marks it.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { median, removeBenchContainers, spec, startCondod, tmp } from './lib.mjs';

const N = Number(process.argv[2] ?? 30);
const prefix = await tmp('condo-bench-specs-');
const state = path.join(await tmp('condo-bench-state-'), 'state.db');
const condod = startCondod({ prefix, state });
await condod.waitFor((l) => String(l.msg).startsWith('watching'));

const latencies = [];
for (let i = 0; i < N; i++) {
  const service = `svc${i}`;
  const from = condod.lines.length;
  const writtenAt = Date.now();
  await writeFile(path.join(prefix, `${service}.edn`), spec());
  const line = await condod.waitFor((l) => l.service === service && l.to === 'Wait', from);
  latencies.push(line.time - writtenAt);
  await new Promise((r) => setTimeout(r, 100));
}
condod.child.kill('SIGKILL');
const { removed } = await removeBenchContainers();
console.log(
  `file written -> first Docker call: median ${median(latencies)} ms, ` +
    `min ${Math.min(...latencies)} ms, max ${Math.max(...latencies)} ms over ${N} files ` +
    `(${removed} containers removed)`,
);
