// How the reference interpreter reports failures: the driver's errors as the machine's events
// (code passed on or replaced by the call's default, message kept), the failure of a cancelled
// pull or create, and the errors of the hooks (reported to onError, the service goes on).
import { describe, expect, it } from '@jest/globals';
import { SimulatedClock } from '@condo/test-utils';

import { CANCELLED, ServiceRunner } from '@condo/state-machine';
import type { EnginePort, Event, ServiceRunnerOptions, Snapshot } from '@condo/state-machine';

import { FakeDocker } from './fake-driver.js';
import { after, makeSpec } from './helpers.js';

type Call = 'pull' | 'create' | 'start' | 'stop' | 'remove';

/** Advances simulated time in 100 ms steps, letting the runner finish its calls in between. */
async function run(clock: SimulatedClock, runner: ServiceRunner, ms: number): Promise<void> {
  await runner.idle();
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await runner.idle();
  }
}

/**
 * A runner over FakeDocker whose next call of each kind in `failures` fails with the value
 * given (`reject`: the promise rejects; `throw`: the driver throws before returning one).
 */
function setup(
  failures: Partial<Record<Call, { reject: unknown } | { throw: unknown }>> = {},
  hooks: Partial<ServiceRunnerOptions> = {},
) {
  const clock = new SimulatedClock();
  const docker = new FakeDocker(clock);
  const events: Event[] = [];
  const failing =
    <A extends unknown[], R>(kind: Call, f: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      const failure = failures[kind];
      if (failure === undefined) return f(...args);
      delete failures[kind];
      if ('throw' in failure) throw failure.throw;
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what a driver may do
      return Promise.reject(failure.reject);
    };
  const d = docker.driver;
  const driver: EnginePort = {
    pull: failing('pull', d.pull.bind(d)),
    create: failing('create', d.create.bind(d)),
    start: failing('start', d.start.bind(d)),
    stop: failing('stop', d.stop.bind(d)),
    remove: failing('remove', d.remove.bind(d)),
    monitor: d.monitor.bind(d),
  };
  const runner = new ServiceRunner({
    driver,
    clock,
    onTransition: (e) => events.push(e),
    ...hooks,
  });
  const failed = (type: Event['type']) => events.filter((e) => e.type === type);
  return { clock, docker, runner, events, failed };
}

const web = makeSpec({ name: 'web', deploy: after(0) });

describe('a failed driver call becomes the failure event of its effect', () => {
  const boom = Object.assign(new Error('engine said no'), { code: 'ECONNRESET' });

  it.each([
    ['pull', 'pullFailed', 'ERR_CONDO_PULL_FAILED'],
    ['create', 'createFailed', 'ERR_CONDO_CREATE_FAILED'],
    ['start', 'startFailed', 'ERR_CONDO_START_FAILED'],
  ] as const)(
    'a failed %s: %s with %s (the engine code is not a condo code)',
    async (call, type, code) => {
      const { clock, runner, failed } = setup({ [call]: { reject: boom } });
      runner.send({ type: 'specChanged', spec: web });
      await run(clock, runner, 0);
      expect(failed(type)).toEqual([
        expect.objectContaining({ error: { code, message: 'engine said no' } }),
      ]);
      expect(runner.snapshot).toMatchObject({
        state: 'TryAgain',
        lastError: { code, message: 'engine said no' },
      });
    },
  );

  it.each([
    ['stop', 'stopFailed', 'ERR_CONDO_STOP_FAILED'],
    ['remove', 'removeFailed', 'ERR_CONDO_REMOVE_FAILED'],
  ] as const)('a failed %s of a stable container: %s with %s', async (call, type, code) => {
    const { clock, runner, failed } = setup({ [call]: { reject: boom } });
    runner.send({ type: 'specChanged', spec: web });
    await run(clock, runner, 2000);
    expect(runner.snapshot.state).toBe('Stable');
    runner.send({ type: 'stopRequested' });
    await run(clock, runner, 0);
    expect(failed(type)).toEqual([
      { type, id: 'c1', at: expect.any(Number), error: { code, message: 'engine said no' } },
    ]);
  });

  it.each<[string, { reject: unknown } | { throw: unknown }, { code: string; message: string }]>([
    [
      'a condo code is passed on',
      { reject: Object.assign(new Error('web holds it'), { code: 'ERR_CONDO_NAME_IN_USE' }) },
      { code: 'ERR_CONDO_NAME_IN_USE', message: 'web holds it' },
    ],
    [
      'a code that only ends like a condo code is replaced',
      { reject: Object.assign(new Error('x'), { code: 'E_ERR_CONDO_' }) },
      { code: 'ERR_CONDO_PULL_FAILED', message: 'x' },
    ],
    [
      'an Error without a code gets the default',
      { reject: new Error('manifest unknown') },
      { code: 'ERR_CONDO_PULL_FAILED', message: 'manifest unknown' },
    ],
    [
      'a code that is no string is ignored',
      { reject: Object.assign(new Error('status 500'), { code: 500 }) },
      { code: 'ERR_CONDO_PULL_FAILED', message: 'status 500' },
    ],
    [
      'a plain object with a condo code is passed on',
      { reject: { code: 'ERR_CONDO_TIMEOUT' } },
      { code: 'ERR_CONDO_TIMEOUT', message: '[object Object]' },
    ],
    [
      'a rejected string',
      { reject: 'socket hang up' },
      { code: 'ERR_CONDO_PULL_FAILED', message: 'socket hang up' },
    ],
    ['a rejected null', { reject: null }, { code: 'ERR_CONDO_PULL_FAILED', message: 'null' }],
    [
      'a driver that throws instead of rejecting',
      { throw: 'not a promise' },
      { code: 'ERR_CONDO_PULL_FAILED', message: 'not a promise' },
    ],
  ])('%s', async (_name, failure, error) => {
    const { clock, runner, failed } = setup({ pull: failure });
    runner.send({ type: 'specChanged', spec: web });
    await run(clock, runner, 0);
    expect(failed('pullFailed')).toEqual([
      { type: 'pullFailed', op: expect.any(Number), at: expect.any(Number), error },
    ]);
  });
});

describe('the failure of a cancelled pull or create', () => {
  /** FakeDocker, but pulls of `hangpull*` and creates of `hangcreate*` hang until aborted. */
  function hanging(docker: FakeDocker): EnginePort {
    const hang = (signal: AbortSignal | undefined) =>
      new Promise<never>((_resolve, reject) =>
        signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    return {
      ...docker.driver,
      pull: (image, policy, options) =>
        image.startsWith('hangpull') ? hang(options?.signal) : docker.driver.pull(image, policy),
      create: (spec, options) =>
        String(spec.container['Image']).startsWith('hangcreate')
          ? hang(options.signal)
          : docker.driver.create(spec, options),
    };
  }

  it.each([
    ['pull', 'pullFailed'],
    ['create', 'createFailed'],
  ] as const)('a %s: %s with ERR_CONDO_CANCELLED, saying why', async (call, type) => {
    const clock = new SimulatedClock();
    const docker = new FakeDocker(clock);
    const events: Event[] = [];
    const runner = new ServiceRunner({
      driver: hanging(docker),
      clock,
      onTransition: (e) => events.push(e),
    });
    runner.send({ type: 'specChanged', spec: makeSpec({ image: `hang${call}:1` }) });
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(runner.snapshot).toMatchObject({ state: 'Wait', deploy: { step: call } });
    runner.send({ type: 'specChanged', spec: makeSpec({ image: 'good:2' }) });
    await run(clock, runner, 2000);
    expect(events.filter((e) => e.type === type)).toEqual([
      {
        type,
        op: expect.any(Number),
        at: expect.any(Number),
        error: { code: CANCELLED, message: `${call} cancelled: its revision was abandoned` },
      },
    ]);
    expect(runner.snapshot.state).toBe('Stable');
  });
});

describe('errors of the hooks', () => {
  it('a publish that throws is reported to onError; the service still deploys and publishes', async () => {
    const published: Snapshot[] = [];
    const errors: unknown[] = [];
    const { clock, runner } = setup(
      {},
      {
        publish: (s) => {
          published.push(s);
          if (published.length === 1) throw new Error('subscriber gone');
        },
        onError: (err) => errors.push(err),
      },
    );
    runner.send({ type: 'specChanged', spec: web });
    await run(clock, runner, 2000);
    expect(errors).toEqual([new Error('subscriber gone')]);
    expect(runner.snapshot.state).toBe('Stable');
    expect(published.at(-1)).toBe(runner.snapshot);
    expect(published.map((s) => s.state)).toEqual(['Wait', 'Wait', 'Wait', 'Wait', 'Stable']);
  });

  it('a hook that throws while a driver result is applied is reported to onError, and the runner goes idle', async () => {
    const errors: unknown[] = [];
    const { clock, runner } = setup(
      {},
      {
        onTransition: (e) => {
          if (e.type === 'pulled') throw new Error('hook failed');
        },
        onError: (err) => errors.push(err),
      },
    );
    runner.send({ type: 'specChanged', spec: web });
    await run(clock, runner, 0);
    expect(errors).toEqual([new Error('hook failed')]);
  });
});
