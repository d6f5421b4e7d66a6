/**
 * @condo/expose-core: the store-independent half of condo's state exposure. `createExporter`
 * turns an `ExposureStore` (etcd, Consul) into the `StateExporter` contract of `@condo/types`.
 */
export { ExposeError, isExposeError, redact, withTimeout } from './errors.js';
export type { ExposeErrorCode } from './errors.js';
export { createExporter } from './exporter.js';
export type { Exporter, ExporterOptions } from './exporter.js';
export { decodeEntry, entryKey, normalizePrefix, parseEntryKey } from './keys.js';
export { FleetMirror } from './mirror.js';
export { DEFAULT_TIMINGS, Publisher, systemClock } from './publisher.js';
export type { ExposureTimings, PublisherOptions } from './publisher.js';
export type { ExposureStore, StoredKey, WatchSink } from './store.js';
