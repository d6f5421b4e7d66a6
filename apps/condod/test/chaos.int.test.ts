// The chaos run: condod supervising 20 services across two prefixes (good images, bad tags,
// never-healthy images, [:Before] and [:After n], a fixed :Name, an AutoRemove container, two
// prefixes fighting over a name) under random spec changes (good, bad, unhealthy, removed,
// re-added, renamed) while condod is kill -9ed at random moments. After each restart it must
// converge to: one running container per spec file with its current revision (for a failing
// revision, a good one still serving), no leaked condo container, another instance's container
// untouched, a database that passes `PRAGMA integrity_check`.
//
// CI runs the short form (CHAOS_ROUNDS, default 5); bench/chaos runs 100 rounds. The seed is in
// test-artifacts/chaos.json and in any failure: CHAOS_SEED=<seed> replays the same choices.
import { execFileSync } from 'node:child_process';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { describe, expect, it, jest } from '@jest/globals';
import { findRepoRoot, loadTestEnv } from '@condo/test-utils';
import { Condod, apiUrl, e2eSuite, httpGet, sleep } from './harness.js';
import { recordFigures } from './chaos-engine.js';
import { Random, seedFromEnv } from './chaos-random.js';

const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 5);
const CONVERGE_TIMEOUT_MS = 90_000;
jest.setTimeout(120_000 + ROUNDS * (CONVERGE_TIMEOUT_MS + 10_000));
const env = loadTestEnv();
const suite = e2eSuite();
const { run } = suite;

type Kind = 'good' | 'bad' | 'unhealthy';
type Deploy = '[:Before]' | '[:After 0]' | '[:After 1]';
interface Service {
  name: string;
  deploy: Deploy;
  image: 'healthy' | 'busybox';
  extra?: string;
  /** Every revision written since the file (re)appeared: rev and kind. */
  history: Array<{ rev: number; kind: Kind }>;
  /** The file exists. */
  present: boolean;
}

const SLEEPER = `:Cmd ["/bin/sh" "-c" "trap 'exit 0' TERM; while :; do sleep 5 & wait $!; done"]`;

function specText(s: Service, rev: number, kind: Kind, fixedName: string): string {
  const image =
    kind === 'bad'
      ? 'condo-test/busybox:no-such-tag'
      : kind === 'unhealthy'
        ? env.images.unhealthy
        : s.image === 'healthy'
          ? env.images.healthy
          : env.images.busybox;
  const cmd = image === env.images.busybox ? ` ${SLEEPER}` : '';
  const name = s.name === 'fixed' ? ` :Name ${JSON.stringify(fixedName)}` : '';
  const auto = s.name === 'auto' ? ' :AutoRemove true' : '';
  const unhealthy = kind === 'unhealthy' ? ' :max-attempts 2 :health-timeout 3' : '';
  return `{:deploy ${s.deploy} :pull :never :stop-timeout 2${unhealthy}
 :spec {:Image ${JSON.stringify(image)} :Env ["REV=${rev}"]${cmd}${name}
        :HostConfig {:NetworkMode "none"${auto}}}}\n`;
}

describe('chaos', () => {
  it(`${ROUNDS} rounds of random spec changes and kill -9: condod always converges`, async () => {
    const rnd = new Random(seedFromEnv());
    const root = path.join(suite.scratch, `chaos-${rnd.seed}`);
    const A = path.join(root, 'a');
    const B = path.join(root, 'b');
    await mkdir(A, { recursive: true });
    await mkdir(B, { recursive: true });
    const statePath = path.join(root, 'state.db');
    const fixedName = `chaos-fixed-${run.runId}`;

    const services = new Map<string, Service>();
    const add = (name: string, deploy: Deploy, image: Service['image']) =>
      services.set(name, { name, deploy, image, history: [], present: false }).get(name)!;
    const deploys: Deploy[] = ['[:Before]', '[:After 0]', '[:After 1]'];
    for (let i = 1; i <= 8; i++) add(`g${i}`, deploys[i % 3]!, i % 2 ? 'healthy' : 'busybox');
    for (let i = 1; i <= 6; i++) add(`m${i}`, '[:After 1]', i % 2 ? 'healthy' : 'busybox');
    add('fixed', '[:Before]', 'busybox');
    add('auto', '[:Before]', 'busybox');
    add('badtag', '[:After 0]', 'busybox');
    add('sick', '[:After 1]', 'healthy');
    add('r1', '[:Before]', 'busybox');
    const fight = {
      a: null as number | null,
      b: null as number | null,
      owner: null as 'a' | 'b' | null,
    };

    let rev = 0;
    const write = async (s: Service, kind: Kind) => {
      rev++;
      if (!s.present) s.history = [];
      s.history.push({ rev, kind });
      s.present = true;
      await writeFile(path.join(A, `${s.name}.edn`), specText(s, rev, kind, fixedName));
    };
    const remove = async (s: Service) => {
      s.present = false;
      s.history = [];
      await rm(path.join(A, `${s.name}.edn`), { force: true });
    };
    const fightSpec = (r: number) =>
      specText(
        { name: 'fight', deploy: '[:Before]', image: 'busybox', history: [], present: true },
        r,
        'good',
        '',
      );
    const writeFight = async (side: 'a' | 'b') => {
      rev++;
      fight[side] = rev;
      if (fight.owner === null) fight.owner = side;
      await writeFile(path.join(side === 'a' ? A : B, 'fight.edn'), fightSpec(rev));
    };
    const removeFight = async (side: 'a' | 'b') => {
      fight[side] = null;
      if (fight.owner === side)
        fight.owner = fight[side === 'a' ? 'b' : 'a'] !== null ? (side === 'a' ? 'b' : 'a') : null;
      await rm(path.join(side === 'a' ? A : B, 'fight.edn'), { force: true });
    };

    for (const s of services.values()) {
      await write(s, s.name === 'badtag' ? 'bad' : s.name === 'sick' ? 'unhealthy' : 'good');
    }
    await writeFight('a');
    await writeFight('b'); // a conflict: a owns it

    // A container of another condo instance, claiming one of our service names.
    const decoy = await run.docker.createContainer({
      Image: env.images.busybox,
      Cmd: ['sleep', '100000'],
      Labels: {
        ...run.labels,
        'condo.managed': 'true',
        'condo.service': 'g1',
        'condo.instance': '00000000-0000-4000-8000-00000000dec0',
        'condo.spec-hash': 'decoy',
      },
      HostConfig: { NetworkMode: 'none' },
    });
    await decoy.start();

    const figures = {
      seed: rnd.seed,
      rounds: 0,
      kills: 0,
      changes: 0,
      deploys: 0,
      containersCreated: 0,
      leaked: 0,
      duplicates: 0,
      lostSpecs: 0,
      longestConvergenceMs: 0,
      problems: [] as string[],
    };
    const seen = new Set<string>();
    const logs: string[] = [];
    const proven = new Set<number>();
    const revOf = new Map<string, number>();
    let condod: Condod | undefined;
    let instance = '';
    let base = '';
    const start = async () => {
      condod = Condod.start({
        prefixes: [A, B],
        statePath,
        run,
        args: ['--rescan-interval', '5', '--server', '0'],
      });
      const c = condod;
      suite.cleanups.add(() => c.kill('SIGKILL'));
      base = await apiUrl(c);
    };

    /** What is wrong right now (empty: converged), classified for the figures. */
    const check = async (): Promise<{ leaked: string[]; duplicates: string[]; lost: string[] }> => {
      const list = await run.docker.listContainers({
        all: true,
        filters: { label: [`condo.test.run=${run.runId}`] },
      });
      const out = { leaked: [] as string[], duplicates: [] as string[], lost: [] as string[] };
      const states = (await httpGet(`${base}/v1/state`)).body as Record<
        string,
        { state: string; current: { id: string } | null }
      >;
      const ours = list.filter((c) => c.Labels['condo.instance'] === instance);
      for (const c of ours) {
        seen.add(c.Id);
        if (!revOf.has(c.Id)) {
          const info = await run.docker
            .getContainer(c.Id)
            .inspect()
            .catch(() => undefined);
          const r = info?.Config.Env?.find((e) => e.startsWith('REV='));
          revOf.set(c.Id, r ? Number(r.slice(4)) : -1);
        }
      }
      const byService = new Map<string, Docker.ContainerInfo[]>();
      for (const c of ours) {
        const k = c.Labels['condo.service'] ?? '?';
        byService.set(k, [...(byService.get(k) ?? []), c]);
      }
      /** rev -> the service it was written for (revs are unique across services). */
      const histories = new Map<number, string>();
      const expectations = new Map<
        string,
        { current: number; kind: Kind; good: number[] } | null
      >();
      for (const s of services.values()) {
        if (!s.present) {
          expectations.set(s.name, null);
          continue;
        }
        const last = s.history.at(-1)!;
        for (const h of s.history) histories.set(h.rev, s.name);
        expectations.set(s.name, {
          current: last.rev,
          kind: last.kind,
          // Good revisions seen deployed at a converged check: a good revision replaced before
          // it was ever deployed leaves nothing to serve, rightly.
          good: s.history.filter((h) => h.kind === 'good' && proven.has(h.rev)).map((h) => h.rev),
        });
      }
      const owned = fight.owner ? fight[fight.owner] : null;
      expectations.set(
        'fight',
        owned === null ? null : { current: owned, kind: 'good', good: [owned] },
      );
      for (const k of byService.keys()) if (!expectations.has(k)) expectations.set(k, null);

      for (const [name, want] of expectations) {
        const cs = byService.get(name) ?? [];
        const running = cs.filter((c) => c.State === 'running');
        const describe = (c: Docker.ContainerInfo) =>
          `${name} ${c.Id.slice(0, 12)} REV=${revOf.get(c.Id)} ${c.State}`;
        if (!want) {
          out.leaked.push(...cs.map(describe));
          continue;
        }
        if (want.kind === 'good') {
          // Deployed means Stable on it, not only running (a first deploy still in its health
          // wait is rightly abandoned for a newer revision).
          const right = running.filter(
            (c) =>
              revOf.get(c.Id) === want.current &&
              states[name]?.state === 'Stable' &&
              states[name]?.current?.id === c.Id,
          );
          if (right.length === 0)
            out.lost.push(`${name}: no Stable running container of REV=${want.current}`);
          if (running.length > 1) out.duplicates.push(...running.map(describe));
          out.leaked.push(...cs.filter((c) => c.State !== 'running').map(describe));
          continue;
        }
        // A failing revision: a good one keeps serving (when there was one); trials of the
        // failing revision may come and go; the most recent failed container of the service is
        // kept, stopped, for `docker logs` until the next success (by design).
        const serving = running.filter((c) => want.good.includes(revOf.get(c.Id) ?? -2));
        const stale = cs.filter((c) => !serving.includes(c) && revOf.get(c.Id) !== want.current);
        const kept = stale.find(
          (c) => c.State !== 'running' && histories.get(revOf.get(c.Id) ?? -2) === name,
        );
        const others = stale.filter((c) => c !== kept);
        if (serving.length > 1) out.duplicates.push(...serving.map(describe));
        if (want.good.length > 0 && serving.length === 0)
          out.lost.push(
            `${name}: no good revision serving (current REV=${want.current} is ${want.kind})`,
          );
        out.leaked.push(...others.map(describe));
      }
      return out;
    };

    const converge = async (): Promise<number> => {
      const t0 = Date.now();
      let last = await check();
      while (last.leaked.length + last.duplicates.length + last.lost.length > 0) {
        if (Date.now() - t0 > CONVERGE_TIMEOUT_MS) {
          figures.leaked += last.leaked.length;
          figures.duplicates += last.duplicates.length;
          figures.lostSpecs += last.lost.length;
          figures.problems.push(
            `round ${figures.rounds}: ${[...last.leaked, ...last.duplicates, ...last.lost].join('; ')}`,
          );
          break;
        }
        await sleep(1000);
        last = await check();
      }
      if (last.leaked.length + last.duplicates.length + last.lost.length === 0) {
        for (const sv of services.values()) {
          const h = sv.present ? sv.history.at(-1) : undefined;
          if (h?.kind === 'good') proven.add(h.rev);
        }
      }
      return Date.now() - t0;
    };

    await start();
    instance = String((await condod!.waitFor((l) => typeof l.instance === 'string')).instance);
    figures.longestConvergenceMs = await converge();

    const pool = [...services.values()].filter((s) => !['badtag', 'sick', 'r1'].includes(s.name));
    for (let round = 1; round <= ROUNDS; round++) {
      figures.rounds = round;
      const changes = rnd.int(1, 4);
      for (let i = 0; i < changes; i++) {
        figures.changes++;
        const what = rnd.pick([
          'good',
          'good',
          'bad',
          'unhealthy',
          'remove',
          'readd',
          'rename',
          'fight',
        ]);
        const s = rnd.pick(pool);
        let did = `${what} ${s.name}`;
        if (what === 'good' && s.present) await write(s, 'good');
        else if (what === 'bad' && s.present) await write(s, 'bad');
        else if (what === 'unhealthy' && s.present && s.deploy !== '[:Before]')
          await write(s, 'unhealthy');
        else if (what === 'remove' && s.present) await remove(s);
        else if (what === 'readd' || !s.present) {
          did = `readd ${s.name}`;
          await write(s, 'good');
        } else if (what === 'rename') {
          const from = services.get('r1')!.present ? 'r1' : 'r1x';
          const to = from === 'r1' ? 'r1x' : 'r1';
          did = `rename ${from} ${to}`;
          const src = services.get(from)!;
          const dst = services.get(to) ?? add(to, '[:Before]', 'busybox');
          await rename(path.join(A, `${from}.edn`), path.join(A, `${to}.edn`));
          dst.history = [...src.history];
          dst.present = true;
          src.present = false;
          src.history = [];
        } else if (what === 'fight') {
          const side = rnd.pick(['a', 'b'] as const);
          did = `fight ${side}`;
          if (fight[side] === null || rnd.chance(0.5)) await writeFight(side);
          else await removeFight(side);
        } else did = `nothing (${what} ${s.name})`;
        logs.push(`--- round ${round}: ${did} (REV ${rev})`);
      }
      await sleep(rnd.int(0, 3000));
      if (rnd.chance(0.85)) {
        figures.kills++;
        await condod!.kill('SIGKILL');
        logs.push(`--- condod killed in round ${round}\n${condod!.output}`);
        figures.deploys += condod!.lines.filter(
          (l) => l.to === 'Stable' && l.from !== 'Stable' && l.from !== undefined,
        ).length;
        const integrity = execFileSync(
          'sqlite3',
          ['-readonly', statePath, 'PRAGMA integrity_check;'],
          {
            encoding: 'utf8',
          },
        ).trim();
        if (integrity !== 'ok')
          figures.problems.push(`round ${round}: integrity_check: ${integrity}`);
        await start();
      }
      figures.longestConvergenceMs = Math.max(figures.longestConvergenceMs, await converge());
      const d = await run.docker.getContainer(decoy.id).inspect();
      if (!d.State.Running)
        figures.problems.push(`round ${round}: the decoy of another instance was touched`);
    }
    figures.deploys += condod!.lines.filter(
      (l) => l.to === 'Stable' && l.from !== 'Stable' && l.from !== undefined,
    ).length;
    figures.containersCreated = seen.size;
    await recordFigures('chaos', { [`run-${ROUNDS}-rounds`]: figures });
    await condod!.kill('SIGKILL');
    logs.push(`--- last condod\n${condod!.output}`);
    if (figures.problems.length > 0) {
      // Every condod's log of a failed run, to read with the seed.
      await writeFile(
        path.join(findRepoRoot(), 'test-artifacts', `chaos-${rnd.seed}.log`),
        logs.join('\n'),
      );
    }
    await run.docker.getContainer(decoy.id).remove({ force: true });
    await rm(path.join(root), { recursive: true, force: true });

    expect({ seed: rnd.seed, problems: figures.problems }).toEqual({
      seed: rnd.seed,
      problems: [],
    });
  });
});
