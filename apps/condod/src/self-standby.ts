/**
 * The standby of a new condod during a self-update: its predecessor still holds the state
 * database until it exits, so the new one must not fail on `ERR_CONDO_STORE_IN_USE` (the
 * handover would deadlock: the old one waits for the new one to be healthy before it exits).
 * Instead it serves `/healthz` 200 with `standby` and tries again until the lock is free.
 */

/** The store's "another live process holds the database" code (`@condo/store-sqlite`). */
export const STORE_IN_USE = 'ERR_CONDO_STORE_IN_USE';
/** Default pause between two tries, in milliseconds. */
export const STANDBY_RETRY_MS = 250;

export interface OpenWhenFreeOptions {
  /** Called once, with the first "in use" error, when the standby begins. */
  onStandby?: (err: unknown) => void;
  /** Pause between tries, in milliseconds (default 250). */
  retryMs?: number;
  /** Gives up (condod is shutting down): rejects with the signal's reason. */
  signal?: AbortSignal;
  /** How to wait (tests pass a fake); default a timer that the signal cancels. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      const reason: unknown = signal!.reason;
      reject(reason instanceof Error ? reason : new Error(String(reason)));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `open` until it stops failing with `ERR_CONDO_STORE_IN_USE`, pausing `retryMs` between
 * tries; resolves with what `open` returns. Any other error rejects at once (a corrupt or
 * unwritable database is not a reason to wait).
 */
export async function openWhenFree<T>(
  open: () => T | Promise<T>,
  options: OpenWhenFreeOptions = {},
): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  let standby = false;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      return await open();
    } catch (err) {
      if ((err as { code?: unknown }).code !== STORE_IN_USE) throw err;
      if (!standby) {
        standby = true;
        options.onStandby?.(err);
      }
    }
    await sleep(options.retryMs ?? STANDBY_RETRY_MS, options.signal);
  }
}
