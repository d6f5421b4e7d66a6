import { describe, expect, it } from '@jest/globals';
import { SimulatedClock } from './clock.js';

describe('SimulatedClock', () => {
  it('fires due timers in time order, including timers set while firing', () => {
    const clock = new SimulatedClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.setTimeout(() => {
      fired.push('a@10');
      clock.setTimeout(() => fired.push('c@15'), 5);
    }, 10);
    clock.setTimeout(() => fired.push('late@100'), 100);
    clock.advance(50);
    expect(fired).toEqual(['a@10', 'c@15', 'b@20']);
    expect(clock.now()).toBe(50);
    expect(clock.pendingCount).toBe(1);
  });

  it('sees time at the moment a timer fires', () => {
    const clock = new SimulatedClock(1000);
    let seen = 0;
    clock.setTimeout(() => (seen = clock.now()), 250);
    clock.advance(1000);
    expect(seen).toBe(1250);
  });

  it('never fires a cleared timer', () => {
    const clock = new SimulatedClock(0);
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 10);
    clock.clearTimeout(handle);
    clock.advance(20);
    expect(fired).toBe(false);
  });

  it('refuses to go back in time', () => {
    expect(() => new SimulatedClock(0).advance(-1)).toThrow('Unable to travel back in time');
  });
});
