import { describe, expect, it } from '@jest/globals';
import type { Event } from '@condo/state-machine';
import type { Logger } from './logger.js';
import type { ServiceStatus } from './daemon.js';
import { logTransition } from './transition-log.js';

/** A logger that records each line's level and message. */
function recording() {
  const lines: string[] = [];
  const at = (level: string) => (_fields: unknown, msg: string) => lines.push(`${level} ${msg}`);
  const log = { debug: at('debug'), info: at('info'), warn: at('warn') } as unknown as Logger;
  return { log, lines };
}

const view = { state: 'WaitNext', current: { id: 'c1' }, next: null } as unknown as ServiceStatus;
const svc = { name: 'web', last: { state: 'WaitNext' } };

describe('logTransition', () => {
  it.each(['createFailed', 'pullFailed'] as const)(
    'a %s whose revision was abandoned (cancelled) is no warning',
    (type) => {
      const { log, lines } = recording();
      const error = {
        code: 'ERR_CONDO_CANCELLED',
        message: `cancelled: its revision was abandoned`,
      };
      const event = { type, op: 3, error, at: 0 } as Event;
      logTransition(log, svc, event, [{ type: 'persist' }], view);
      expect(lines).toEqual([`debug web: ${type}`]);
    },
  );

  it('a create that failed is a warning', () => {
    const { log, lines } = recording();
    const error = { code: 'ERR_CONDO_CREATE_FAILED', message: 'engine said no' };
    logTransition(log, svc, { type: 'createFailed', op: 3, error, at: 0 }, [], view);
    expect(lines).toEqual(['warn web: WaitNext -> WaitNext (createFailed; current c1)']);
  });
});
