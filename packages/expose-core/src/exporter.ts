import type {
  Clock,
  ExposedEntry,
  ExposureChange,
  ExposureStatus,
  ServiceSnapshot,
  StateExporter,
} from '@condo/types';
import { ExposeError } from './errors.js';
import { decodeEntry, normalizePrefix, parseEntryKey } from './keys.js';
import { FleetMirror } from './mirror.js';
import { Publisher } from './publisher.js';
import type { ExposureTimings } from './publisher.js';
import type { ExposureStore } from './store.js';

export interface ExporterOptions extends ExposureTimings {
  store: ExposureStore;
  /** Key prefix; leading, trailing and doubled slashes are dropped (`/condo/` is `condo`). */
  prefix: string;
  /** This host's name (`--host`). */
  host: string;
  /** The daemon's stable instance id. */
  instance: string;
  clock?: Clock;
  log?: (level: 'info' | 'warn', message: string) => void;
}

/** A `StateExporter` plus `idle()`: resolves once every recorded state is in the store. */
export interface Exporter extends StateExporter {
  idle(): Promise<void>;
}

/**
 * Builds the exporter contract over a store: publishing through a `Publisher`, reads through
 * `store.list`, and one shared store watch while anyone listens. Never touches the store
 * synchronously, so a store that is down at construction fails nothing.
 */
export function createExporter(options: ExporterOptions): Exporter {
  const prefix = normalizePrefix(options.prefix);
  const { store } = options;
  const publisher = new Publisher({ ...options, prefix });
  const listeners = new Set<(change: ExposureChange) => void>();
  let stopWatch: (() => void) | undefined;
  let closed = false;

  const read = async (under: string): Promise<ExposedEntry[]> => {
    if (closed) throw new ExposeError('ERR_CONDO_EXPOSE_UNAVAILABLE', 'the exporter is closed');
    let keys;
    try {
      keys = await store.list(under);
    } catch (error) {
      if (error instanceof ExposeError) throw error;
      throw new ExposeError('ERR_CONDO_EXPOSE_UNAVAILABLE', `reading ${under} failed`);
    }
    const entries: ExposedEntry[] = [];
    for (const { key, value } of keys) {
      if (!parseEntryKey(prefix, key)) continue;
      const entry = decodeEntry(value);
      if (entry) entries.push(entry);
    }
    return entries.sort(
      (a, b) =>
        a.service.localeCompare(b.service) ||
        a.host.localeCompare(b.host) ||
        a.instance.localeCompare(b.instance),
    );
  };

  return {
    publish: (service: string, snapshot: ServiceSnapshot) => publisher.publish(service, snapshot),
    withdraw: (service: string) => publisher.withdraw(service),
    readAll: () => read(`${prefix}/`),
    readService: async (service: string) =>
      (await read(`${prefix}/${service}/`)).filter((e) => e.service === service),
    watch(listener) {
      if (closed) return () => {};
      listeners.add(listener);
      if (!stopWatch) {
        const mirror = new FleetMirror(prefix, (change) => {
          for (const l of listeners) l(change);
        });
        stopWatch = store.watch(`${prefix}/`, mirror);
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && stopWatch) {
          stopWatch();
          stopWatch = undefined;
        }
      };
    },
    status: (): ExposureStatus => publisher.status(),
    idle: () => publisher.idle(),
    async close(options) {
      if (closed) return;
      closed = true;
      listeners.clear();
      stopWatch?.();
      stopWatch = undefined;
      await publisher.close({ release: !options?.keepEntries });
      await store.close();
    },
  };
}
