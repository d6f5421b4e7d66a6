import type { GlobalEntry, GlobalStateSource, ApiServiceView, StateSource } from './types.js';

import type { WaitTarget } from '@condo/types';

export type { WaitTarget };

export type WaitVerdict = 'ok' | 'rejected' | 'pending';
export type WaitResult = 'ok' | 'rejected' | 'timeout' | 'unavailable' | 'aborted';

/** Where one service stands against a target (pure). */
export function judgeService(view: ApiServiceView | undefined, target: WaitTarget): WaitVerdict {
  if (!view) return 'pending';
  if (target.hash !== undefined) {
    if (view.rejected === true && view.pendingSpec === target.hash) return 'rejected';
    return view.state === 'Stable' && view.current?.specHash === target.hash ? 'ok' : 'pending';
  }
  return view.state === 'Stable' && view.current?.image === target.image ? 'ok' : 'pending';
}

/**
 * Where the fleet stands (pure): ok when every host that reports the service is ok, rejected as
 * soon as one host rejected the revision, pending while no host reports it.
 */
export function judgeFleet(entries: readonly GlobalEntry[], target: WaitTarget): WaitVerdict {
  const mine = entries.filter((e) => e.service === target.name);
  if (mine.length === 0) return 'pending';
  const verdicts = mine.map((e) => judgeService(e.snapshot, target));
  if (verdicts.includes('rejected')) return 'rejected';
  return verdicts.every((v) => v === 'ok') ? 'ok' : 'pending';
}

export interface WaitOptions {
  target: WaitTarget;
  timeoutMs: number;
  state: StateSource;
  /** When set (exposure on), the fleet view decides; the local feed only prompts re-reads. */
  global?: GlobalStateSource | undefined;
  /** Re-read period of a global source without `subscribe`, and retry period after a failed read. */
  globalPollMs: number;
  /** Ends the wait with `aborted`, freeing everything (the client went away). */
  signal: AbortSignal;
}

/**
 * Resolves as soon as the target is reached (or rejected), driven by the state feeds; never
 * rejects. Every subscription and timer is released when it settles, whatever the reason.
 */
export function waitFor(options: WaitOptions): Promise<WaitResult> {
  const { target, state, global, signal } = options;
  return new Promise<WaitResult>((resolve) => {
    const releases: Array<() => void> = [];
    let settled = false;
    const settle = (result: WaitResult): void => {
      if (settled) return;
      settled = true;
      for (const release of releases.splice(0)) release();
      resolve(result);
    };

    if (signal.aborted) {
      settle('aborted');
      return;
    }
    const onAbort = (): void => settle('aborted');
    signal.addEventListener('abort', onAbort); // removed on settling, whatever settles it
    releases.push(() => signal.removeEventListener('abort', onAbort));

    let lastReadFailed = false;
    const timeout = setTimeout(
      () => settle(lastReadFailed ? 'unavailable' : 'timeout'),
      options.timeoutMs,
    );
    releases.push(() => clearTimeout(timeout));

    if (!global) {
      const verdict = judgeService(state.snapshot().get(target.name), target);
      if (verdict !== 'pending') {
        settle(verdict);
        return;
      }
      releases.push(
        state.subscribe((event) => {
          if (event.service !== target.name || event.type === 'removed') return;
          const next = judgeService(event.view, target);
          if (next !== 'pending') settle(next);
        }),
      );
      return;
    }

    // Exposure on: one read at a time; a prompt during a read asks for one more read after it.
    let reading = false;
    let again = false;
    let retry: NodeJS.Timeout | undefined;
    releases.push(() => clearTimeout(retry));
    const read = async (): Promise<void> => {
      if (settled) return;
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      clearTimeout(retry);
      retry = undefined;
      try {
        const verdict = judgeFleet(await global.read(), target);
        lastReadFailed = false;
        if (verdict !== 'pending') settle(verdict);
      } catch {
        // Unavailable, or a source that broke some other way: either way the fleet can't be
        // judged now. Retry until the timeout, which then answers "unavailable".
        lastReadFailed = true;
      } finally {
        reading = false;
      }
      if (settled) return;
      if (again) {
        again = false;
        prompt();
      } else if (lastReadFailed || !global.subscribe) {
        retry = setTimeout(prompt, options.globalPollMs);
      }
    };
    const prompt = (): void => {
      void read();
    };
    if (global.subscribe) releases.push(global.subscribe(prompt));
    releases.push(
      state.subscribe((event) => {
        if (event.service === target.name) prompt();
      }),
    );
    prompt();
  });
}
