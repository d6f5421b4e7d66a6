import { describe, expect, it } from '@jest/globals';
import { Cleanups } from './cleanups.js';

describe('Cleanups', () => {
  it('runs steps in reverse order and empties itself', async () => {
    const order: number[] = [];
    const cleanups = new Cleanups();
    cleanups.add(() => order.push(1));
    cleanups.add(() => Promise.resolve(order.push(2)));
    await cleanups.run();
    await cleanups.run();
    expect(order).toEqual([2, 1]);
  });

  it('keeps going past failures and reports all of them', async () => {
    const ran: string[] = [];
    const cleanups = new Cleanups();
    cleanups.add(() => ran.push('first'));
    cleanups.add(() => {
      throw new Error('a');
    });
    cleanups.add(() => Promise.reject(new Error('b')));
    const failure = await cleanups.run().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(AggregateError);
    expect((failure as AggregateError).errors.map((e: Error) => e.message)).toEqual(['b', 'a']);
    expect(ran).toEqual(['first']);
  });
});
