import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { isSpecFileName } from '@condo/spec-edn';

/** One spec file as read from a prefix. */
export interface SpecFile {
  /** Service name: the file name without `.edn`. */
  service: string;
  /** Absolute path of the file. */
  file: string;
  /** The prefix (watched directory) holding it. */
  prefix: string;
  text: string;
  /** sha256 of the raw text: equal hashes mean nothing changed (canonical comparison is the caller's). */
  textHash: string;
}

export type SpecWatchEvent =
  /** A file appeared, or its bytes changed. */
  | { type: 'changed'; spec: SpecFile }
  /** A file is gone (confirmed after the removal grace period). */
  | { type: 'removed'; service: string; file: string }
  /** A second prefix holds a file for a service another prefix already owns; it is ignored. */
  | { type: 'conflict'; service: string; file: string; owner: string }
  /** A prefix or file can't be read; what was known from it is kept, nothing is removed. */
  | { type: 'unreadable'; path: string; error: Error };

export interface SpecWatcherOptions {
  /** Directories to watch, in command-line order (the earlier one wins a tie at startup). */
  prefixes: readonly string[];
  onEvent: (event: SpecWatchEvent) => void;
  /** Quiet time after a file-system event before the prefix is rescanned. */
  debounceMs?: number;
  /**
   * How long a file must stay missing before it counts as removed. Editors that save by
   * rename-away-then-write leave a short window without the file; that must not stop a service.
   */
  removalGraceMs?: number;
  /** Full rescan of every prefix, the safety net for missed events (0 disables). */
  rescanIntervalMs?: number;
}

interface Known {
  spec: SpecFile;
  /** dev:ino:size:mtime; when unchanged the file is not read again. */
  identity: string;
}

/**
 * Follows the `*.edn` files of one or more prefixes and reports additions, changes and
 * removals, each once.
 *
 * File-system events only trigger a rescan of their prefix; the rescan (readdir + stat, reading
 * only files whose identity changed) is the single source of truth. That one path handles
 * in-place writes, rename-into-place (consul-template), symlink swaps (Kubernetes config maps),
 * and, run periodically, events the OS never delivered.
 */
export class SpecWatcher {
  readonly #opts: Required<SpecWatcherOptions>;
  /** service -> the file that owns it. */
  readonly #owned = new Map<string, Known>();
  /** file -> service, for files rejected as duplicates (reported once). */
  readonly #conflicts = new Map<string, string>();
  /** file -> timer confirming its removal. */
  readonly #pendingRemovals = new Map<string, NodeJS.Timeout>();
  readonly #rescanTimers = new Map<string, NodeJS.Timeout>();
  readonly #unreadable = new Set<string>();
  #scanning: Promise<void> = Promise.resolve();
  #watcher: FSWatcher | undefined;
  #interval: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: SpecWatcherOptions) {
    this.#opts = {
      debounceMs: 20,
      removalGraceMs: 500,
      rescanIntervalMs: 30_000,
      ...options,
      prefixes: options.prefixes.map((p) => path.resolve(p)),
    };
  }

  /** Scans every prefix (reporting what it holds), then follows changes. */
  async start(): Promise<void> {
    for (const prefix of this.#opts.prefixes) await this.#enqueueScan(prefix);
    this.#watcher = watch([...this.#opts.prefixes], {
      ignoreInitial: true,
      depth: 0,
      // We re-read the directory ourselves; chokidar's own atomic-write and write-finish
      // heuristics would only add latency.
      atomic: false,
      awaitWriteFinish: false,
    });
    for (const event of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) {
      this.#watcher.on(event, (p: string) => this.#scheduleRescan(this.#prefixOf(p)));
    }
    this.#watcher.on('error', (err: unknown) =>
      this.#emit({ type: 'unreadable', path: '', error: toError(err) }),
    );
    await new Promise<void>((resolve) => this.#watcher!.once('ready', () => resolve()));
    if (this.#opts.rescanIntervalMs > 0) {
      this.#interval = setInterval(() => void this.rescanAll(), this.#opts.rescanIntervalMs);
      this.#interval.unref();
    }
  }

  /** Rescans every prefix now; resolves when done. */
  async rescanAll(): Promise<void> {
    for (const prefix of this.#opts.prefixes) await this.#enqueueScan(prefix);
  }

  /** What is known right now: service -> spec file. */
  snapshot(): Map<string, SpecFile> {
    return new Map([...this.#owned].map(([service, known]) => [service, known.spec]));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#interval);
    for (const t of this.#rescanTimers.values()) clearTimeout(t);
    for (const t of this.#pendingRemovals.values()) clearTimeout(t);
    await this.#watcher?.close();
    await this.#scanning;
  }

  #prefixOf(p: string): string {
    const resolved = path.resolve(p);
    return (
      this.#opts.prefixes.find((prefix) => resolved === prefix) ??
      this.#opts.prefixes.find((prefix) => path.dirname(resolved) === prefix) ??
      path.dirname(resolved)
    );
  }

  #scheduleRescan(prefix: string): void {
    if (this.#closed) return;
    clearTimeout(this.#rescanTimers.get(prefix));
    this.#rescanTimers.set(
      prefix,
      setTimeout(() => {
        this.#rescanTimers.delete(prefix);
        void this.#enqueueScan(prefix);
      }, this.#opts.debounceMs),
    );
  }

  /** Scans and removals run one at a time, so ownership decisions never interleave. */
  #enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.#scanning.then(() => (this.#closed ? undefined : step()));
    this.#scanning = next.catch(() => undefined);
    return next;
  }

  #enqueueScan(prefix: string): Promise<void> {
    return this.#enqueue(() => this.#scan(prefix));
  }

  async #scan(prefix: string): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(prefix)).filter(isSpecFileName);
      this.#unreadable.delete(prefix);
    } catch (err) {
      // Upstream treated an unreadable prefix as empty and stopped every service in it. An
      // unreadable directory says nothing about the services: keep them, report once.
      if (!this.#unreadable.has(prefix)) {
        this.#unreadable.add(prefix);
        this.#emit({ type: 'unreadable', path: prefix, error: toError(err) });
      }
      return;
    }

    const present = new Set<string>();
    for (const name of names) {
      const file = path.join(prefix, name);
      const service = name.slice(0, -'.edn'.length);
      let identity: string;
      try {
        const st = await stat(file); // follows symlinks: a link to a file is a spec
        if (!st.isFile()) continue; // a directory named x.edn is not a spec (upstream counted it)
        identity = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        continue; // vanished between readdir and stat: treated as absent
      }
      present.add(file);
      this.#cancelRemoval(file);

      const owner = this.#owned.get(service);
      if (owner && owner.spec.file !== file) {
        if (this.#conflicts.get(file) !== owner.spec.file) {
          this.#conflicts.set(file, owner.spec.file);
          this.#emit({ type: 'conflict', service, file, owner: owner.spec.file });
        }
        continue;
      }
      if (owner && owner.identity === identity) continue;

      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        this.#emit({ type: 'unreadable', path: file, error: toError(err) });
        continue;
      }
      const textHash = createHash('sha256').update(text).digest('hex');
      const spec: SpecFile = { service, file, prefix, text, textHash };
      this.#owned.set(service, { spec, identity });
      this.#conflicts.delete(file);
      // Touching or rewriting identical bytes changes the identity but not the spec.
      if (owner?.spec.textHash !== textHash) this.#emit({ type: 'changed', spec });
    }

    for (const [service, known] of this.#owned) {
      if (known.spec.prefix === prefix && !present.has(known.spec.file)) {
        this.#scheduleRemoval(service, known.spec.file);
      }
    }
    for (const file of this.#conflicts.keys()) {
      if (path.dirname(file) === prefix && !present.has(file)) this.#conflicts.delete(file);
    }
  }

  #scheduleRemoval(service: string, file: string): void {
    if (this.#pendingRemovals.has(file)) return;
    const timer = setTimeout(() => {
      this.#pendingRemovals.delete(file);
      void this.#enqueue(() => this.#confirmRemoval(service, file));
    }, this.#opts.removalGraceMs);
    this.#pendingRemovals.set(file, timer);
  }

  #cancelRemoval(file: string): void {
    clearTimeout(this.#pendingRemovals.get(file));
    this.#pendingRemovals.delete(file);
  }

  async #confirmRemoval(service: string, file: string): Promise<void> {
    const known = this.#owned.get(service);
    if (this.#closed || known?.spec.file !== file) return;
    const stillThere = await stat(file).then(
      (st) => st.isFile(),
      () => false,
    );
    if (stillThere || this.#unreadable.has(path.dirname(file))) return;
    this.#owned.delete(service);
    this.#emit({ type: 'removed', service, file });
    // A file of the same service waiting in another prefix takes over (scanned right away,
    // inside this same queue step).
    const heir = [...this.#conflicts].find(([, owner]) => owner === file);
    if (heir) {
      this.#conflicts.delete(heir[0]);
      await this.#scan(path.dirname(heir[0]));
    }
  }

  #emit(event: SpecWatchEvent): void {
    if (!this.#closed) this.#opts.onEvent(event);
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
