// Which spec file owns each service, kept in the state database across restarts.
import type { SnapshotStore } from '@condo/store-sqlite';
import type { Logger } from './logger.js';

/**
 * The owner file of each service, as the state database holds it. `owners` is what the spec
 * watcher starts from (the first file that defined a service keeps it, whatever the prefix order).
 */
export class ServiceOwners {
  /** Service name -> the file that owns it. */
  readonly owners: Map<string, string>;
  readonly #store: SnapshotStore;
  readonly #log: Logger;

  constructor(store: SnapshotStore, log: Logger) {
    this.#store = store;
    this.#log = log;
    this.owners = store.loadOwners();
  }

  /**
   * Records that `file` owns `service` (null: no file does any more). A write that fails is
   * logged, never thrown: the service goes on, and the owner is written again at its next change.
   */
  record(service: string, file: string | null): void {
    if ((this.owners.get(service) ?? null) === file) return;
    try {
      if (file === null) this.#store.deleteOwner(service);
      else this.#store.saveOwner(service, file);
      if (file === null) this.owners.delete(service);
      else this.owners.set(service, file);
    } catch (err) {
      this.#log.error(
        { service, err },
        `${service}: saving the owner of the service failed: ${String(err)}`,
      );
    }
  }
}
