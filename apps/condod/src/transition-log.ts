// The transition log: one line per state change of a service (and a debug line otherwise).
import { CANCELLED, type Effect, type Event } from '@condo/state-machine';
import type { Logger } from './logger.js';
import type { ServiceStatus } from './daemon.js';

function short(id: string | undefined | null): string | undefined {
  return id ? id.slice(0, 12) : undefined;
}

/** One line per state transition: service, old and new state, container ids, reason. */
export function logTransition(
  log: Logger,
  svc: { name: string; last: { state: string } },
  event: Event,
  effects: readonly Effect[],
  view: ServiceStatus,
): void {
  const from = svc.last.state;
  const changed = from !== view.state;
  // A pull or create cancelled because its revision was abandoned is no failure.
  const cancelled = 'error' in event && event.error.code === CANCELLED;
  const failed =
    ('error' in event && !cancelled) ||
    event.type === 'containerUnhealthy' ||
    event.type === 'containerExited';
  if (!changed && !failed) {
    if (effects.length > 0)
      log.debug(
        { service: svc.name, event: event.type, effects: effects.map((e) => e.type) },
        `${svc.name}: ${event.type}`,
      );
    return;
  }
  const fields = {
    service: svc.name,
    from,
    to: view.state,
    reason: event.type,
    current: short(view.current?.id),
    next: short(view.next?.id),
    ...(view.retryAt ? { retryAt: new Date(view.retryAt).toISOString() } : {}),
    ...(view.lastError ? { error: view.lastError } : {}),
    ...(view.rejected ? { rejected: true } : {}),
  };
  const ids = [fields.current && `current ${fields.current}`, fields.next && `next ${fields.next}`]
    .filter(Boolean)
    .join(', ');
  const because = view.lastError && failed ? `: ${view.lastError.message}` : '';
  const message = `${svc.name}: ${from} -> ${view.state} (${event.type}${ids ? `; ${ids}` : ''})${because}`;
  if (failed) log.warn(fields, message);
  else log.info(fields, message);
}
