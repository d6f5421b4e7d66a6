// 200 new services (no health check), empty -> all Stable, against the engine's own limit:
// a bare parallel dockerode loop creating and starting the same 200 containers.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { env, removeBenchContainers, runId, spec, startCondod, tmp } from './lib.mjs';

const N = Number(process.argv[2] ?? 200);
const { docker } = await removeBenchContainers();

// 1. The baseline: create + start with dockerode, 16 in flight (condod's default engine limit).
const body = JSON.parse(
  JSON.stringify({
    Image: env.images.busybox,
    Cmd: ['/bin/sh', '-c', "trap 'exit 0' TERM; while :; do sleep 5 & wait $!; done"],
    HostConfig: { NetworkMode: 'none' },
    Labels: { 'condo.test': 'true', 'condo.test.run': runId },
  }),
);
let next = 0;
const t0 = Date.now();
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < N) {
      next++;
      const c = await docker.createContainer(body);
      await c.start();
    }
  }),
);
const bareMs = Date.now() - t0;
await removeBenchContainers();

// 2. condod: the same containers from spec files, each Stable once running for 1 s.
const prefix = await tmp('condo-bench-specs-');
const state = path.join(await tmp('condo-bench-state-'), 'state.db');
await Promise.all(
  Array.from({ length: N }, (_, i) => writeFile(path.join(prefix, `svc${i}.edn`), spec())),
);
const t1 = Date.now();
const condod = startCondod({ prefix, state });
let stable = 0;
for (let i = 0; i < N; i++) {
  await condod.waitFor((l) => l.service === `svc${i}` && l.to === 'Stable');
  stable++;
}
const condodMs = Date.now() - t1;
const lastStartedAt = Math.max(
  ...condod.lines.filter((l) => l.event === 'containerStarted').map((l) => l.time),
);
// condod's own CPU time: near the wall time means condod is the bottleneck, far below it means
// it waits on the engine.
const [utime, stime] = readFileSync(`/proc/${condod.child.pid}/stat`, 'utf8')
  .split(') ')[1]
  .split(' ')
  .slice(11, 13)
  .map(Number);
const cpuMs = ((utime + stime) * 1000) / 100;
const failures = condod.lines.filter((l) => l.to === 'TryAgain' || l.to === 'TryAgainNext');
const codes = [...new Set(failures.map((l) => l.error?.code))].join(', ');
condod.child.kill('SIGKILL');
await removeBenchContainers();
console.log(
  `${N} containers: bare parallel dockerode create+start ${bareMs} ms; condod empty -> all ` +
    `${stable} Stable ${condodMs} ms (last container started at ${lastStartedAt - t1} ms; ` +
    `Stable needs 1 s of running on top; condod used ${cpuMs} ms of CPU; ${failures.length} failed attempts${codes ? ` (${codes})` : ''}) -> ratio ${(condodMs / bareMs).toFixed(2)}`,
);
