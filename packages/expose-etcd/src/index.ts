/**
 * @condo/expose-etcd: publish service snapshots to etcd under a lease and read the fleet-wide
 * state back.
 */
import { createExporter } from '@condo/expose-core';
import type { Exporter, ExporterOptions } from '@condo/expose-core';
import { createEtcdStore } from './etcd-store.js';
import type { EtcdStoreOptions } from './etcd-store.js';

/** `createExporter`'s options (host, instance, timings, clock, log) without the store, plus etcd's. */
export interface EtcdExporterOptions
  extends EtcdStoreOptions, Omit<ExporterOptions, 'store' | 'prefix'> {
  /** Key prefix (`--etcd-prefix`), `condo` by default; surrounding slashes are dropped. */
  prefix?: string;
}

/**
 * The exporter contract on etcd: each service is a key `<prefix>/<service>/<instance>` bound to
 * this daemon's lease (TTL `ttlMs`, 10 s, kept alive every `renewMs`, 3 s); a lost lease is
 * re-granted and everything re-published. Never contacts etcd synchronously: construction
 * succeeds with etcd down. Throws `ERR_CONDO_EXPOSE_BAD_OPTION` for an empty prefix.
 */
export function createEtcdExporter(options: EtcdExporterOptions): Exporter {
  return createExporter({
    ...options,
    prefix: options.prefix ?? 'condo',
    store: createEtcdStore(options),
  });
}

export { createEtcdStore };
export type { EtcdStoreOptions };
