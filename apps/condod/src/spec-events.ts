// The spec watcher's events applied to the services, held back while restoring or suspended.
import { lintSpecBytes } from '@condo/spec-edn';
import type { SelfSpecEvent } from './daemon.js';
import { logDiagnostics } from './diagnostics-log.js';
import type { Logger } from './logger.js';
import { SELF_SERVICE } from './self-spec.js';
import type { ServiceOwners } from './service-owners.js';
import type { ServiceRegistry } from './service-registry.js';
import type { SpecFile, SpecWatchEvent, SpecWatcher } from './spec-watcher.js';

/** What the sweep asks the watcher: the services files claim, whether every prefix was listed. */
export type SpecClaims = Pick<SpecWatcher, 'claimed' | 'complete' | 'problems'>;

export interface SpecEventsOptions {
  registry: ServiceRegistry;
  owners: ServiceOwners;
  logger: Logger;
  /** Gets `self.edn` at once, even while events are held back (without it: logged, ignored). */
  onSelfSpec?: ((event: SelfSpecEvent) => void) | undefined;
  /** The watcher whose events these are (asked only once events are applied). */
  watcher: () => SpecClaims;
}

/**
 * Applies the spec watcher's events to the services. Until `applyLive` is called (and again after
 * `holdBack`) events are kept in order and applied later, so that nothing reaches a service
 * before it is restored, nor while a self-update has the services suspended.
 */
export class SpecEvents {
  readonly #opts: SpecEventsOptions;
  readonly #held: SpecWatchEvent[] = [];
  #live = false;

  constructor(opts: SpecEventsOptions) {
    this.#opts = opts;
  }

  /** The watcher's `onEvent`: `self.edn` to `onSelfSpec` at once, the rest applied or held back. */
  readonly receive = (e: SpecWatchEvent): void => {
    const onSelf = this.#opts.onSelfSpec;
    if (onSelf && e.type === 'changed' && e.spec.service === SELF_SERVICE) {
      return onSelf({ type: 'changed', spec: e.spec });
    }
    if (onSelf && e.type === 'removed' && e.service === SELF_SERVICE) {
      return onSelf({ type: 'removed', file: e.file });
    }
    if (this.#live) this.#apply(e);
    else this.#held.push(e);
  };

  /** Applies the events held back, in order, then every event as it comes. */
  applyLive(): void {
    this.#live = true;
    for (const e of this.#held.splice(0)) this.#apply(e);
  }

  /** Holds every event back (but `self.edn`) until `applyLive`. */
  holdBack(): void {
    this.#live = false;
  }

  /**
   * Services known from the database or the engine that no file claims are removed, but only
   * once every prefix could be listed: a prefix that can't be read may hold their files.
   */
  sweepUnclaimed(): void {
    const watcher = this.#opts.watcher();
    const claimed = watcher.claimed();
    const complete = watcher.complete();
    for (const svc of this.#opts.registry.all()) {
      if (claimed.has(svc.name) || svc.runner.snapshot.removed) continue;
      if (complete) {
        svc.runner.send({ type: 'specRemoved' });
      } else if (svc.file === null) {
        svc.runner.send({
          type: 'specInvalid',
          error: {
            code: 'ERR_CONDO_SPEC_READ',
            message: `no readable file defines ${svc.name}, and a prefix can't be listed (${watcher.problems().join('; ')}); the service keeps running as it is`,
          },
        });
      }
    }
  }

  #apply(event: SpecWatchEvent): void {
    const { registry, owners, logger: log } = this.#opts;
    switch (event.type) {
      case 'changed':
        return this.#applySpec(event.spec);
      case 'removed': {
        owners.record(event.service, null);
        const svc = registry.get(event.service);
        if (!svc || event.service === SELF_SERVICE) return;
        svc.file = null;
        log.info(
          { service: event.service, file: event.file },
          `${event.service}: spec file removed`,
        );
        return svc.runner.send({ type: 'specRemoved' });
      }
      case 'conflict':
        return log.error(
          { service: event.service, file: event.file, owner: event.owner },
          `${event.file}: service "${event.service}" is already defined by ${event.owner}; this file is ignored`,
        );
      case 'unreadable':
        log.error(
          // What the file is (a FIFO, too large, a link out of its prefix) needs no stack trace.
          isSpecError(event.error)
            ? { path: event.path, code: event.error.code, services: event.services }
            : { path: event.path, err: event.error, services: event.services },
          `cannot read ${event.path || 'a spec directory'}: ${event.error.message}; its services keep running`,
        );
        for (const service of event.services) this.#unreadable(service, event.path, event.error);
        return;
      case 'readable':
        log.info({ path: event.path }, `${event.path} can be read again`);
        if (this.#opts.watcher().complete()) this.sweepUnclaimed();
        return;
    }
  }

  #applySpec(spec: SpecFile): void {
    const { registry, owners, logger: log } = this.#opts;
    if (spec.service === SELF_SERVICE) {
      if (!this.#opts.onSelfSpec) log.warn({ file: spec.file }, 'self.edn: ignored');
      return;
    }
    const svc = registry.serviceFor(spec.service);
    svc.file = spec.file;
    owners.record(spec.service, spec.file);
    // The one strict decoder of @condo/spec-edn, as condo-lint reads files.
    const result = lintSpecBytes(spec.bytes, { fileName: spec.file, name: spec.service });
    // Warnings and errors are logged once per change of the file (a rescan that reads the
    // same bytes again says nothing), at most 10 lines each.
    const fresh = svc.loggedErrorsFor !== spec.hash;
    svc.loggedErrorsFor = spec.hash;
    if (fresh) logDiagnostics(log, spec.service, 'warn', result.warnings);
    if (!result.spec) {
      // An invalid file never takes down what runs: the service keeps its containers and
      // state; the error is logged once per change of the file and shown as lastError.
      if (fresh) logDiagnostics(log, spec.service, 'error', result.errors);
      const first = result.errors[0];
      svc.runner.send({
        type: 'specInvalid',
        error: first
          ? {
              code: first.code,
              message: first.message,
              file: first.file,
              line: first.line,
              column: first.column,
            }
          : { code: 'ERR_CONDO_SPEC_INVALID', message: 'invalid spec', file: spec.file },
      });
      return;
    }
    svc.runner.send({ type: 'specChanged', spec: result.spec });
  }

  /**
   * A service whose file can't be read keeps running as it is: the read error is its
   * `lastError` (cleared when the file reads again).
   */
  #unreadable(service: string, file: string, error: NodeJS.ErrnoException): void {
    if (service === SELF_SERVICE) return;
    this.#opts.registry.serviceFor(service).runner.send({
      type: 'specInvalid',
      // A file that is not one a spec may be (too large, not a regular file, a link out of its
      // prefix) keeps its own code, as condo-lint reports it; an I/O failure is ERR_CONDO_SPEC_READ.
      error: isSpecError(error)
        ? {
            code: error.code,
            message: `${error.message}; the service keeps running as it is`,
            file,
          }
        : {
            code: 'ERR_CONDO_SPEC_READ',
            message: `cannot read ${file}: ${error.code ?? error.message}; the service keeps running as it is`,
            file,
          },
    });
  }
}

/** An error about what a spec file is (`ERR_CONDO_SPEC_*`), not about reading it. */
function isSpecError(
  error: NodeJS.ErrnoException,
): error is NodeJS.ErrnoException & { code: string } {
  return typeof error.code === 'string' && error.code.startsWith('ERR_CONDO_SPEC_');
}
