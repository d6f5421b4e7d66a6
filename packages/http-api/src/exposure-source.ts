import { GlobalStateUnavailableError } from './errors.js';
import type { GlobalChange, GlobalEntry, GlobalStateSource } from './types.js';

/**
 * The part of an exporter (`StateExporter` of `@condo/types`: `createEtcdExporter`,
 * `createConsulExporter`) the API reads. Structural, so this package needs no exporter.
 */
export interface ExporterReads {
  /** Rejects with an error whose `code` is `ERR_CONDO_EXPOSE_UNAVAILABLE` when the store can't be read. */
  readAll(): Promise<readonly GlobalEntry[]>;
  /**
   * Calls `listener` on every fleet change (driven by the store's watch): `{type: 'put', entry}`
   * or `{type: 'delete', service, instance}`; returns the unsubscribe.
   */
  watch(listener: (change: unknown) => void): () => void;
}

/** The exporter's change if it has the documented shape, else undefined (a bare prompt). */
function asGlobalChange(change: unknown): GlobalChange | undefined {
  const c = change as Partial<Record<string, unknown>> | null;
  if (c?.type === 'put' && typeof c.entry === 'object' && c.entry !== null) {
    return { type: 'put', entry: c.entry as GlobalEntry };
  }
  if (c?.type === 'delete' && typeof c.service === 'string' && typeof c.instance === 'string') {
    return { type: 'delete', service: c.service, instance: c.instance };
  }
  return undefined;
}

/**
 * Turns an exporter into the fleet view `createApp({ global })` serves: `/v1/global_state` reads
 * it (503 when the store can't be read), and `/v1/wait_for` re-judges the fleet on each change
 * its watch reports, with no polling; each change is handed on (`/v1/events` sends it as a `fleet`
 * event). Any read failure counts as "store unavailable": the answer
 * is then a 503, never a 500 carrying store details.
 */
export function globalSourceFromExporter(exporter: ExporterReads): GlobalStateSource {
  return {
    async read() {
      try {
        return [...(await exporter.readAll())];
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        throw new GlobalStateUnavailableError(
          code === 'ERR_CONDO_EXPOSE_UNAVAILABLE'
            ? (error as Error).message
            : 'the state store cannot be read',
        );
      }
    },
    subscribe: (listener) => exporter.watch((change) => listener(asGlobalChange(change))),
  };
}
