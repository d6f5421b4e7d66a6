import { expect, it } from '@jest/globals';
import { Semaphore } from './limiter.js';

it('lets at most max holders in, FIFO', async () => {
  const s = new Semaphore(2);
  const order: number[] = [];
  const r1 = await s.acquire();
  const r2 = await s.acquire();
  const p3 = s.acquire().then((r) => (order.push(3), r));
  const p4 = s.acquire().then((r) => (order.push(4), r));
  await Promise.resolve();
  expect(s.active).toBe(2);
  expect(s.waiting).toBe(2);
  expect(order).toEqual([]);
  r1();
  r1(); // releasing twice is harmless
  const r3 = await p3;
  expect(order).toEqual([3]);
  expect(s.active).toBe(2);
  r2();
  const r4 = await p4;
  r3();
  r4();
  expect(s.active).toBe(0);
  expect(order).toEqual([3, 4]);
});

it('releases the slot when the work throws', async () => {
  const s = new Semaphore(1);
  await expect(s.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(s.active).toBe(0);
  expect(() => new Semaphore(0)).toThrow();
});
