// condod with -e consul against the Consul emulator of @condo/test-utils (no Consul server can be
// installed here): a store that is down at start stops nothing, and no credential (the Consul
// ACL token, the registry password) ever shows in a log line, an error or an API answer.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  Cleanups,
  dockerTestRun,
  loadTestEnv,
  makeSpecDir,
  startConsulEmulator,
  type ConsulEmulator,
} from '@condo/test-utils';
import { apiUrl, Condod, httpGet, scratchDir, sleep, spec, writeDockerConfig } from './harness.js';

jest.setTimeout(90_000);
const env = loadTestEnv();
const run = dockerTestRun();
const cleanups = new Cleanups();
const TOKEN = `consul-acl-${run.runId}`;
const WRONG_TOKEN = `wrong-acl-${run.runId}`;
const { password } = env.registry;
const basicAuth = Buffer.from(`${env.registry.username}:${password}`).toString('base64');
const SECRETS = [TOKEN, WRONG_TOKEN, password, basicAuth];

let consul: ConsulEmulator;
let condod: Condod;
let intruder: Condod;
let url: string;
let intruderUrl: string;
const answers: string[] = [];

async function read(address: string): Promise<{ status: number; body: unknown }> {
  const reply = await httpGet(address);
  answers.push(`${address} ${reply.status} ${reply.text}`);
  return reply;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const since = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - since;
    if (Date.now() - since > timeoutMs) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  consul = await startConsulEmulator({ token: TOKEN });
  cleanups.add(() => consul.stop());
  await consul.stop(); // down before condod starts; same port when it comes back
  const scratch = await scratchDir();
  cleanups.add(() => scratch.cleanup());
  const dockerConfig = await writeDockerConfig(scratch.path);
  const dir = await makeSpecDir({
    // Pulled with the registry's credentials...
    'pushed.edn': spec(env.registry.pushedImage, { extra: ':pull :always ' }),
    // ...and a pull the registry refuses: an engine error carrying the request.
    'missing.edn': spec(`${env.registry.address}/condo-test/missing:1`, {
      extra: ':pull :always ',
    }),
  });
  cleanups.add(() => dir.cleanup());
  condod = Condod.start({
    prefixes: [dir.path],
    statePath: path.join(scratch.path, 'consul.db'),
    run,
    dockerConfig,
    args: ['--server', '0', '--host', 'consul-a', '-e', 'consul', '--consul-prefix', run.runId],
    env: { CONSUL_HTTP_ADDR: consul.url, CONSUL_HTTP_TOKEN: TOKEN },
  });
  cleanups.add(() => condod.kill('SIGKILL'));
  // A daemon with the wrong token: every store call is refused (403).
  const other = await makeSpecDir({
    'idle.edn': spec(env.images.healthy, { extra: ':pull :never ' }),
  });
  cleanups.add(() => other.cleanup());
  intruder = Condod.start({
    prefixes: [other.path],
    statePath: path.join(scratch.path, 'intruder.db'),
    run,
    args: ['--server', '0', '--host', 'consul-b', '-e', 'consul', '--consul-prefix', run.runId],
    env: { CONSUL_HTTP_ADDR: consul.url, CONSUL_HTTP_TOKEN: WRONG_TOKEN },
  });
  cleanups.add(() => intruder.kill('SIGKILL'));
  url = await apiUrl(condod);
  intruderUrl = await apiUrl(intruder);
}, 60_000);

afterAll(async () => {
  await cleanups.run();
  await run.cleanup();
});

describe('condod -e consul', () => {
  it('starts and supervises with Consul down, says so in /healthz (200), and publishes once it is back', async () => {
    await condod.waitForState('pushed', 'Stable');
    await intruder.waitForState('idle', 'Stable');
    expect((await read(`${url}/v1/global_state`)).status).toBe(503);
    const health = await read(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      checks: { exposure: { ok: false, detail: expect.stringMatching(/not reachable/) } },
    });

    await consul.start();
    const backMs = await until(async () => {
      const { status, body } = await read(`${url}/v1/global_state`);
      const entries = body as Array<{ host: string; service: string }>;
      return status === 200 && entries.some((e) => e.service === 'pushed');
    }, 'the state in Consul');
    expect(backMs).toBeLessThanOrEqual(5000);
    const { body } = await read(`${url}/v1/global_state`);
    expect(
      (body as Array<{ host: string; service: string }>).map((e) => `${e.service}@${e.host}`),
    ).toEqual(expect.arrayContaining(['missing@consul-a', 'pushed@consul-a']));
    // The daemon with the wrong token publishes nothing, and says why, without the token.
    const refused = await read(`${intruderUrl}/healthz`);
    expect(refused).toMatchObject({ status: 200, body: { checks: { exposure: { ok: false } } } });
    expect((body as Array<{ host: string }>).some((e) => e.host === 'consul-b')).toBe(false);
  });

  it('never shows the Consul token or the registry password in a log line, an error or an answer', async () => {
    await condod.waitFor((l) => l.service === 'missing' && l.to === 'TryAgain');
    // Store errors while Consul is down, then back.
    await consul.stop();
    await sleep(4000);
    await read(`${url}/v1/global_state`);
    await read(`${url}/healthz`);
    await read(`${url}/v1/wait_for?name=pushed&image=nope&timeout=1`);
    await consul.start();
    await sleep(1500);
    for (const base of [url, intruderUrl]) {
      for (const route of [
        '/v1/state',
        '/v1/state/pushed',
        '/v1/state/missing',
        '/v1/global_state',
        '/v1/wait_for?name=pushed&image=nope&timeout=1',
        '/healthz',
        '/metrics',
        '/v1/openapi.json',
      ])
        await read(`${base}${route}`);
      // The first frames of the event stream (snapshot and any fleet events).
      const controller = new AbortController();
      const res = await fetch(`${base}/v1/events`, { signal: controller.signal });
      const reader = res.body!.getReader();
      const first = await reader.read();
      answers.push(Buffer.from(first.value ?? new Uint8Array()).toString('utf8'));
      controller.abort();
    }
    const logs = condod.output + intruder.output;
    // The greps can only pass for the right reason: the secrets were in play.
    expect(logs).toMatch(/consul|store/i);
    expect(condod.lines.some((l) => l.service === 'missing' && l.error !== undefined)).toBe(true);
    for (const secret of SECRETS) {
      expect(logs.includes(secret) ? `log holds ${secret}` : 'clean').toBe('clean');
      const leaking = answers.filter((a) => a.includes(secret));
      expect(leaking).toEqual([]);
    }
  });
});
