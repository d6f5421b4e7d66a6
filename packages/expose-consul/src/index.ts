/**
 * @condo/expose-consul: publish service snapshots to Consul KV under a TTL session and read the
 * fleet-wide state back.
 */
import { createExporter } from '@condo/expose-core';
import type { Exporter, ExporterOptions } from '@condo/expose-core';
import { consulAddress, createConsulStore } from './consul-store.js';
import type { ConsulStoreOptions } from './consul-store.js';

/** `createExporter`'s options (host, instance, timings, clock) without the store, plus Consul's. */
export interface ConsulExporterOptions
  extends ConsulStoreOptions, Omit<ExporterOptions, 'store' | 'prefix'> {
  /** Key prefix (`--consul-prefix`), `condo` by default; surrounding slashes are dropped. */
  prefix?: string;
  /** Connection state changes, one line each (never per retry); never holds the token. */
  log?: (level: 'info' | 'warn', message: string) => void;
}

/**
 * The exporter contract on Consul KV: each service is a key `<prefix>/<service>/<instance>`
 * acquired by this daemon's session (TTL `ttlMs`, 10 s, `Behavior=delete`, renewed every
 * `renewMs`, 3 s); a lost session is re-created and everything re-published. Never contacts
 * Consul synchronously: construction succeeds with Consul down. Throws
 * `ERR_CONDO_EXPOSE_BAD_OPTION` for an empty prefix or an endpoint that is not an address.
 */
export function createConsulExporter(options: ConsulExporterOptions): Exporter {
  return createExporter({
    ...options,
    prefix: options.prefix ?? 'condo',
    store: createConsulStore(options),
  });
}

export { consulAddress, createConsulStore };
export type { ConsulStoreOptions };
