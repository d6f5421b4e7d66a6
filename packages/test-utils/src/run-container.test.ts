import { describe, expect, it } from '@jest/globals';
import { Cleanups } from './cleanups.js';
import { testLabels } from './labels.js';
import { runContainer } from './run-container.js';
import type { ContainerRunner } from './run-container.js';

interface Options {
  image: string;
  labels?: Record<string, string>;
}

/** An engine in memory: the containers it holds, and every call in order. */
function memoryDriver(failStart = false) {
  const containers = new Map<string, 'created' | 'running'>();
  const calls: string[] = [];
  let next = 0;
  const driver: ContainerRunner<Options, { id: string }> = {
    create: (options) => {
      const id = `c${++next}`;
      calls.push(`create ${options.image} -> ${id}`);
      containers.set(id, 'created');
      return Promise.resolve({ id });
    },
    start: (id) => {
      calls.push(`start ${id}`);
      if (failStart) return Promise.reject(new Error('start failed'));
      containers.set(id, 'running');
      return Promise.resolve();
    },
    remove: (id) => {
      calls.push(`remove ${id}`);
      containers.delete(id);
      return Promise.resolve();
    },
  };
  return { driver, containers, calls };
}

describe('runContainer', () => {
  it('with the test labels: creates, starts, and the cleanups remove the container', async () => {
    const { driver, containers, calls } = memoryDriver();
    const cleanups = new Cleanups();
    const created = await runContainer(
      driver,
      { image: 'busybox', labels: testLabels('t1') },
      cleanups,
    );
    expect(created).toEqual({ id: 'c1' });
    expect([...containers]).toEqual([['c1', 'running']]);
    await cleanups.run();
    expect(containers.size).toBe(0);
    expect(calls).toEqual(['create busybox -> c1', 'start c1', 'remove c1']);
  });

  it('a start that fails rejects with its error, and the created container is still removed by the cleanups', async () => {
    const { driver, containers } = memoryDriver(true);
    const cleanups = new Cleanups();
    await expect(
      runContainer(driver, { image: 'busybox', labels: testLabels('t1') }, cleanups),
    ).rejects.toThrow('start failed');
    expect([...containers]).toEqual([['c1', 'created']]);
    await cleanups.run();
    expect(containers.size).toBe(0);
  });

  it.each([
    ['no labels', undefined],
    ['only the run label', { 'condo.test.run': 't1' }],
    ['condo.test=false', { 'condo.test': 'false', 'condo.test.run': 't1' }],
    ['no run id', { 'condo.test': 'true' }],
  ])('labels with %s: throws naming the test labels, and creates nothing', async (_, labels) => {
    const { driver, calls } = memoryDriver();
    await expect(
      runContainer(driver, { image: 'busybox', ...(labels && { labels }) }, new Cleanups()),
    ).rejects.toThrow(/condo\.test=true and condo\.test\.run/);
    expect(calls).toEqual([]);
  });
});
