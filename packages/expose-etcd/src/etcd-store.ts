import { ExposeError, withTimeout } from '@condo/expose-core';
import type { ExposureStore, StoredKey, WatchSink } from '@condo/expose-core';
import { Etcd3, EtcdLeaseInvalidError } from 'etcd3';
import type { IOptions, Lease, Watcher } from 'etcd3';

export interface EtcdStoreOptions {
  /** `http://host:port` of one or more etcd members. */
  endpoints: string | string[];
  /** Upper bound of every etcd call (and of connecting), ms. 2 s. */
  requestTimeoutMs?: number;
  /** Delay before re-establishing a broken watch or re-reading after a failed read, ms. 500. */
  watchRetryMs?: number;
}

type FaultHandling = Required<NonNullable<IOptions['faultHandling']>>;

// etcd3's defaults retry three times and open a 5 s circuit breaker after three failures, and
// back a broken watch off for up to 30 s: either alone would break the 5 s catch-up promise.
// The publisher does its own retrying, so every call here is tried once.
const tryOnce = {
  execute: <T>(fn: (context: { signal: AbortSignal; attempt: number }) => T) =>
    Promise.resolve().then(() => fn({ signal: new AbortController().signal, attempt: 0 })),
} as unknown as FaultHandling['global'];

function constantBackoff(durationMs: number): FaultHandling['watchBackoff'] {
  const backoff: FaultHandling['watchBackoff'] = { duration: durationMs, next: () => backoff };
  return backoff;
}

function storeError(error: unknown, what: string): ExposeError {
  if (error instanceof ExposeError) return error;
  if (error instanceof EtcdLeaseInvalidError) {
    return new ExposeError('ERR_CONDO_EXPOSE_LEASE_LOST', `${what}: the lease is gone`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ExposeError('ERR_CONDO_EXPOSE_UNAVAILABLE', `${what}: ${message}`);
}

/** The `ExposureStore` of etcd v3: keys bound to a lease, reads by prefix, watches by prefix. */
export function createEtcdStore(options: EtcdStoreOptions): ExposureStore {
  const timeoutMs = options.requestTimeoutMs ?? 2000;
  const watchRetryMs = options.watchRetryMs ?? 500;
  const client = new Etcd3({
    hosts: options.endpoints,
    dialTimeout: timeoutMs,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeoutMs }),
    faultHandling: {
      host: () => tryOnce,
      global: tryOnce,
      watchBackoff: constantBackoff(watchRetryMs),
    },
  });
  const leases = new Map<string, Lease>();

  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await withTimeout(run(), timeoutMs, what);
    } catch (error) {
      throw storeError(error, what);
    }
  };
  const leaseOf = (id: string, what: string): Lease => {
    const lease = leases.get(id);
    if (!lease) throw new ExposeError('ERR_CONDO_EXPOSE_LEASE_LOST', `${what}: unknown lease`);
    return lease;
  };

  return {
    async open(ttlMs) {
      const lease = client.lease(Math.max(1, Math.ceil(ttlMs / 1000)), { autoKeepAlive: false });
      // A lost grant is reported through the promise below; the event must not go unheard.
      lease.on('lost', () => undefined);
      const id = await call('etcd lease grant', () => lease.grant());
      leases.set(id, lease);
      return id;
    },
    async renew(id) {
      const lease = leaseOf(id, 'etcd lease keep-alive');
      await call('etcd lease keep-alive', () => lease.keepaliveOnce());
    },
    async put(id, key, value) {
      await call(`etcd put ${key}`, () => client.put(key).value(value).lease(id).exec());
    },
    async remove(key) {
      await call(`etcd delete ${key}`, () => client.delete().key(key).exec());
    },
    async release(id) {
      const lease = leases.get(id);
      leases.delete(id);
      if (lease) await call('etcd lease revoke', () => lease.revoke());
    },
    async list(prefix) {
      const kvs = await call(`etcd range ${prefix}`, () =>
        client.getAll().prefix(prefix).strings(),
      );
      return Object.entries(kvs).map(([key, value]) => ({ key, value }));
    },
    watch(prefix, sink) {
      return watchPrefix(client, prefix, sink, { timeoutMs, watchRetryMs });
    },
    close() {
      client.close();
      return Promise.resolve();
    },
  };
}

/**
 * Follows `prefix`: on every (re)connection of the etcd watch, re-reads the prefix at revision R
 * and hands it to `sink.replace`; events that arrive during that read are held back and applied
 * afterwards when newer than R, so the sink never goes back in time.
 */
function watchPrefix(
  client: Etcd3,
  prefix: string,
  sink: WatchSink,
  { timeoutMs, watchRetryMs }: { timeoutMs: number; watchRetryMs: number },
): () => void {
  let stopped = false;
  let watcher: Watcher | undefined;
  let syncing = 0;
  let held: Array<{ revision: number; key: string; value: string | null }> = [];
  let retry: NodeJS.Timeout | undefined;

  const resync = async (): Promise<void> => {
    const round = ++syncing;
    held = [];
    try {
      const res = await withTimeout(
        client.getAll().prefix(prefix).exec(),
        timeoutMs,
        `etcd range ${prefix}`,
      );
      if (stopped || round !== syncing) return;
      const revision = Number(res.header.revision);
      const keys: StoredKey[] = res.kvs.map((kv) => ({
        key: kv.key.toString(),
        value: kv.value.toString(),
      }));
      syncing = 0;
      sink.replace(keys);
      for (const event of held.splice(0)) {
        if (event.revision <= revision) continue;
        if (event.value === null) sink.delete(event.key);
        else sink.put(event.key, event.value);
      }
    } catch {
      if (stopped || round !== syncing) return;
      retry = setTimeout(() => void resync(), watchRetryMs);
    }
  };

  const start = (): void => {
    if (stopped) return;
    const w = client.watch().prefix(prefix).watcher();
    watcher = w;
    w.on('connected', () => void resync());
    w.on('put', (kv) => {
      const key = kv.key.toString();
      const value = kv.value.toString();
      if (syncing) held.push({ revision: Number(kv.mod_revision), key, value });
      else sink.put(key, value);
    });
    w.on('delete', (kv) => {
      const key = kv.key.toString();
      if (syncing) held.push({ revision: Number(kv.mod_revision), key, value: null });
      else sink.delete(key);
    });
    w.on('disconnected', () => undefined);
    // etcd cancelled the watch (e.g. its revision was compacted): start a new one.
    w.on('error', () => {
      void w.cancel().catch(() => undefined);
      if (watcher === w && !stopped) retry = setTimeout(start, watchRetryMs);
    });
  };
  start();

  return () => {
    stopped = true;
    clearTimeout(retry);
    void watcher?.cancel().catch(() => undefined);
  };
}
