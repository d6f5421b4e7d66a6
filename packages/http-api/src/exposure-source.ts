import { GlobalStateUnavailableError } from './errors.js';
import type { GlobalEntry, GlobalStateSource } from './types.js';

/**
 * The part of an exporter (`StateExporter` of `@condo/types`: `createEtcdExporter`,
 * `createConsulExporter`) the API reads. Structural, so this package needs no exporter.
 */
export interface ExporterReads {
  /** Rejects with an error whose `code` is `ERR_CONDO_EXPOSE_UNAVAILABLE` when the store can't be read. */
  readAll(): Promise<readonly GlobalEntry[]>;
  /** Calls `listener` on every fleet change (driven by the store's watch); returns the unsubscribe. */
  watch(listener: (change: unknown) => void): () => void;
}

/**
 * Turns an exporter into the fleet view `createApp({ global })` serves: `/v1/global_state` reads
 * it (503 when the store can't be read), and `/v1/wait_for` re-judges the fleet on each change
 * its watch reports, with no polling. Any read failure counts as "store unavailable": the answer
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
    subscribe: (listener) => exporter.watch(() => listener()),
  };
}
