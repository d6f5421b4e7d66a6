// The long chaos run: the chaos test (apps/condod/test/chaos.int.test.ts) with 100 rounds of
// random spec changes and kill -9 against 20 services. Replays a run with CHAOS_SEED=<seed>.
//   node bench/chaos/run.mjs [ROUNDS]        (default 100; needs the test environment up)
// Prints the figures (rounds, kills, deploys, containers created, leaked, duplicates, lost
// specs, longest convergence, seed) from test-artifacts/chaos.json.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { root } from '../lib.mjs';

const rounds = Number(process.argv[2] ?? 100);
const result = spawnSync(
  'pnpm',
  [
    'run',
    '-s',
    'jest',
    '--selectProjects',
    'integration',
    '--',
    'apps/condod/test/chaos.int.test.ts',
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, CHAOS_ROUNDS: String(rounds) } },
);
const figures = JSON.parse(readFileSync(path.join(root, 'test-artifacts/chaos.json'), 'utf8'));
console.log(JSON.stringify(figures[`run-${rounds}-rounds`], null, 2));
process.exit(result.status ?? 1);
