import { createHash } from 'node:crypto';
import { constants, lstatSync } from 'node:fs';
import { open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { DEFAULT_MAX_BYTES, isSpecFileName } from '@condo/spec-edn';

/** One spec file as read from a prefix. */
export interface SpecFile {
  /** Service name: the file name without `.edn`. */
  service: string;
  /** Absolute path of the file. */
  file: string;
  /** The prefix (watched directory) holding it. */
  prefix: string;
  /** The file's bytes, decoded by the caller with `lintSpecBytes` of @condo/spec-edn. */
  bytes: Buffer;
  /** sha256 of the bytes: equal hashes mean nothing changed (canonical comparison is the caller's). */
  hash: string;
}

export type SpecWatchEvent =
  /** A file appeared, or its bytes changed (or it is readable again after `unreadable`). */
  | { type: 'changed'; spec: SpecFile }
  /** A file is gone (ENOENT, confirmed after the removal grace period). */
  | { type: 'removed'; service: string; file: string }
  /** A second prefix holds a file for a service another file owns; it is ignored. */
  | { type: 'conflict'; service: string; file: string; owner: string }
  /**
   * A prefix or file exists but can't be read (EACCES, ELOOP, EIO, a directory named `x.edn`
   * where a spec was): what was known from it is kept, nothing is removed. `services` are the
   * services it holds, as far as known. Reported once per path and error code.
   */
  | { type: 'unreadable'; path: string; error: NodeJS.ErrnoException; services: string[] }
  /** A path reported `unreadable` reads again (a prefix; a file also gets `changed`). */
  | { type: 'readable'; path: string };

export interface SpecWatcherOptions {
  /** Directories to watch, in command-line order (the earlier one wins a tie at startup). */
  prefixes: readonly string[];
  onEvent: (event: SpecWatchEvent) => void;
  /**
   * service -> file that owned it before (persisted by the daemon): that file keeps the
   * service while it exists, whatever the prefix order. Without an entry, the first prefix wins.
   */
  owners?: ReadonlyMap<string, string>;
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
  file: string;
  prefix: string;
  /** null while the file has never been read (unreadable since the start). */
  spec: SpecFile | null;
  /** dev:ino:size:mtime:ctime; when unchanged the file is not read again (but on a full rescan). */
  identity: string;
}

/**
 * Follows the `*.edn` files of one or more prefixes and reports additions, changes and
 * removals, each once.
 *
 * File-system events only trigger a rescan of their prefix; the rescan (readdir + stat, reading
 * only files whose identity changed) is the single source of truth. That one path handles
 * in-place writes, rename-into-place (consul-template), symlink swaps (Kubernetes config maps),
 * and, run periodically, events the OS never delivered. The periodic rescan reads and hashes
 * every file, so even a rewrite that keeps size, mtime and ctime is seen.
 *
 * Only a file that is gone (ENOENT) for the whole grace period is removed. A file or prefix that
 * exists but cannot be read keeps its services, and is reported once.
 */
export class SpecWatcher {
  readonly #opts: Required<Omit<SpecWatcherOptions, 'owners'>>;
  readonly #preferred: ReadonlyMap<string, string>;
  /** service -> the file that owns it. */
  readonly #owned = new Map<string, Known>();
  /** file -> the file owning its service, for files rejected as duplicates (reported once). */
  readonly #conflicts = new Map<string, string>();
  /** file -> timer confirming its removal. */
  readonly #pendingRemovals = new Map<string, NodeJS.Timeout>();
  readonly #rescanTimers = new Map<string, NodeJS.Timeout>();
  /** path (prefix or file) -> the error code it was last reported unreadable with. */
  readonly #unreadable = new Map<string, string>();
  #scanning: Promise<void> = Promise.resolve();
  #watcher: FSWatcher | undefined;
  #interval: NodeJS.Timeout | undefined;
  #closed = false;
  /** The file watch's own failure (chokidar `error`), if any. */
  #watchError: Error | undefined;
  /** When the last full rescan finished (ms since the epoch; 0 before the first). */
  #lastFullScanAt = 0;

  constructor(options: SpecWatcherOptions) {
    this.#preferred = options.owners ?? new Map();
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
    for (const prefix of this.#opts.prefixes) await this.#enqueueScan(prefix, false);
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
    this.#watcher.on('error', (err: unknown) => {
      const error = toError(err) as NodeJS.ErrnoException;
      // A file chokidar can't follow (a symlink loop, EACCES) is the scan's to report; out of
      // watches or descriptors means changes go unseen until the periodic rescan.
      if (!['ENOSPC', 'EMFILE', 'ENFILE', undefined].includes(error.code)) {
        for (const prefix of this.#opts.prefixes) this.#scheduleRescan(prefix);
        return;
      }
      this.#watchError = error;
      this.#emit({ type: 'unreadable', path: '', error, services: [] });
    });
    await new Promise<void>((resolve) => this.#watcher!.once('ready', () => resolve()));
    if (this.#opts.rescanIntervalMs > 0) {
      this.#interval = setInterval(() => void this.rescanAll(), this.#opts.rescanIntervalMs);
      this.#interval.unref();
    }
  }

  /** Rescans every prefix now, reading and hashing every file; resolves when done. */
  async rescanAll(): Promise<void> {
    for (const prefix of this.#opts.prefixes) await this.#enqueueScan(prefix, true);
    this.#lastFullScanAt = Date.now();
  }

  /** What is known right now: service -> spec file (files never read are not in it). */
  snapshot(): Map<string, SpecFile> {
    const out = new Map<string, SpecFile>();
    for (const [service, known] of this.#owned) if (known.spec) out.set(service, known.spec);
    return out;
  }

  /** Every service a file exists for, readable or not: a service outside it has no file. */
  claimed(): Set<string> {
    return new Set(this.#owned.keys());
  }

  /** False while a prefix can't be listed: services may have files there that nobody sees. */
  complete(): boolean {
    return this.#opts.prefixes.every((p) => !this.#unreadable.has(p));
  }

  /**
   * The watcher's own health, for `/healthz`: the prefixes it can't list, a file-watch error,
   * a periodic rescan that has not completed for three intervals.
   */
  problems(now = Date.now()): string[] {
    const out = this.#opts.prefixes
      .filter((p) => this.#unreadable.has(p))
      .map((p) => `cannot list ${p} (${this.#unreadable.get(p)})`);
    if (this.#watchError) out.push(`file watch failed: ${this.#watchError.message}`);
    const every = this.#opts.rescanIntervalMs;
    if (every > 0 && this.#lastFullScanAt > 0 && now - this.#lastFullScanAt > 3 * every) {
      out.push(`no full rescan for ${Math.round((now - this.#lastFullScanAt) / 1000)} s`);
    }
    return out;
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
        void this.#enqueueScan(prefix, false);
      }, this.#opts.debounceMs),
    );
  }

  /** Scans and removals run one at a time, so ownership decisions never interleave. */
  #enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.#scanning.then(() => (this.#closed ? undefined : step()));
    this.#scanning = next.catch(() => undefined);
    return next;
  }

  #enqueueScan(prefix: string, full: boolean): Promise<void> {
    return this.#enqueue(() => this.#scan(prefix, full));
  }

  /** Reports `p` unreadable once per error code. */
  #reportUnreadable(p: string, err: unknown, services: string[]): void {
    const error = toError(err) as NodeJS.ErrnoException;
    const code = error.code ?? 'EIO';
    if (this.#unreadable.get(p) === code) return;
    this.#unreadable.set(p, code);
    this.#emit({ type: 'unreadable', path: p, error, services });
  }

  /** Clears an unreadable mark; true when there was one. */
  #readable(p: string): boolean {
    return this.#unreadable.delete(p);
  }

  /** `full`: read and hash every file, not only those whose identity changed. */
  async #scan(prefix: string, full: boolean): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(prefix)).filter(isSpecFileName);
    } catch (err) {
      // An unreadable directory says nothing about the services in it: keep them, report once.
      const services = [...this.#owned].filter(([, k]) => k.prefix === prefix).map(([s]) => s);
      this.#reportUnreadable(prefix, err, services);
      return;
    }
    // After an unreadable spell of the prefix, its files are reported again (errors clear).
    const prefixRecovered = this.#readable(prefix);
    if (prefixRecovered) this.#emit({ type: 'readable', path: prefix });

    const present = new Set<string>();
    for (const name of names) {
      const file = path.join(prefix, name);
      const service = name.slice(0, -'.edn'.length);
      const owner = this.#owned.get(service);
      let identity: string;
      try {
        const st = await stat(file); // follows symlinks: a link to a file is a spec
        if (st.isDirectory()) {
          // A directory named x.edn is not a spec; but where a spec was, it is not its removal.
          if (owner?.file !== file) continue;
          throw codeError('EISDIR', `EISDIR: not a regular file, ${file}`);
        }
        if (!st.isFile()) {
          // A FIFO, socket or device is an error of its service (never opened here).
          throw codeError(
            'ERR_CONDO_SPEC_NOT_A_FILE',
            `${file} is not a regular file (a FIFO, socket or device)`,
          );
        }
        // ctime moves on every write and can't be set back: cp -p and fixed timestamps are seen.
        identity = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      } catch (err) {
        if (isGone(err)) continue; // vanished between readdir and stat: absent
        present.add(file);
        this.#cancelRemoval(file);
        if (this.#claim(service, file, prefix, owner)) this.#reportUnreadable(file, err, [service]);
        continue;
      }
      present.add(file);
      this.#cancelRemoval(file);
      if (!this.#claim(service, file, prefix, owner)) continue;
      const known = this.#owned.get(service)!;
      const wasUnreadable = this.#unreadable.has(file) || prefixRecovered;
      if (!full && !wasUnreadable && known.spec && known.identity === identity) continue;

      let bytes: Buffer;
      try {
        bytes = await readSpecFile(file, prefix);
      } catch (err) {
        if (!isGone(err)) this.#reportUnreadable(file, err, [service]);
        continue;
      }
      const hash = createHash('sha256').update(bytes).digest('hex');
      const spec: SpecFile = { service, file, prefix, bytes, hash };
      const previous = known.spec;
      known.spec = spec;
      known.identity = identity;
      if (this.#readable(file)) this.#emit({ type: 'readable', path: file });
      // Touching or rewriting identical bytes changes the identity but not the spec; after an
      // unreadable spell the same bytes are reported again, so the error can be cleared.
      if (previous?.hash !== hash || wasUnreadable) this.#emit({ type: 'changed', spec });
    }

    for (const [service, known] of this.#owned) {
      if (known.prefix === prefix && !present.has(known.file)) {
        this.#scheduleRemoval(service, known.file);
      }
    }
    for (const file of this.#conflicts.keys()) {
      if (path.dirname(file) === prefix && !present.has(file)) this.#conflicts.delete(file);
    }
  }

  /**
   * Decides who owns `service` now that `file` exists: true when `file` does (it is recorded in
   * `#owned`), false when it is a duplicate (reported once as a conflict).
   */
  #claim(service: string, file: string, prefix: string, owner: Known | undefined): boolean {
    let ownerFile = owner?.file;
    if (ownerFile === undefined) {
      // The file that owned the service before a restart keeps it while it exists.
      const preferred = this.#preferred.get(service);
      if (preferred !== undefined && preferred !== file && existsAtAll(preferred)) {
        ownerFile = preferred;
      }
    }
    if (ownerFile !== undefined && ownerFile !== file) {
      if (this.#conflicts.get(file) !== ownerFile) {
        this.#conflicts.set(file, ownerFile);
        this.#emit({ type: 'conflict', service, file, owner: ownerFile });
      }
      return false;
    }
    if (!owner) {
      this.#owned.set(service, { file, prefix, spec: null, identity: '' });
      this.#conflicts.delete(file);
    }
    return true;
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
    if (this.#closed || known?.file !== file) return;
    // Only ENOENT (or a path component that is no directory any more) means gone.
    const gone = await stat(file).then(
      () => false,
      (err: unknown) => isGone(err),
    );
    if (!gone || this.#unreadable.has(known.prefix)) return;
    this.#owned.delete(service);
    this.#unreadable.delete(file);
    this.#emit({ type: 'removed', service, file });
    // A file of the same service waiting in another prefix takes over (scanned right away,
    // inside this same queue step).
    const heir = [...this.#conflicts].find(([, owner]) => owner === file);
    if (heir) {
      this.#conflicts.delete(heir[0]);
      await this.#scan(path.dirname(heir[0]), false);
    }
  }

  #emit(event: SpecWatchEvent): void {
    if (!this.#closed) this.#opts.onEvent(event);
  }
}

/**
 * Reads one spec file, refusing what a spec file must not be, each as an error with a `code`:
 * - `ERR_CONDO_SPEC_OUTSIDE_PREFIX`: a symlink (or a path through one) that ends outside the
 *   prefix: never followed, so a spec can't be made of `/etc/shadow` and quote it in an error;
 * - `ERR_CONDO_SPEC_NOT_A_FILE`: a FIFO, socket or device (opened non-blocking: a FIFO never
 *   blocks the watcher, even one swapped in between the directory scan and the read);
 * - `EFBIG`: more than `DEFAULT_MAX_BYTES` (1 MiB) of @condo/spec-edn; never loaded whole.
 * The check is made on the file actually opened (Linux: `/proc/self/fd`), so swapping a link
 * between the check and the read changes nothing.
 */
async function readSpecFile(file: string, prefix: string): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw codeError('ERR_CONDO_SPEC_NOT_A_FILE', `${file} is not a regular file`);
    }
    const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => realpath(file));
    const root = await realpath(prefix);
    const inside = path.relative(root, opened);
    // (`..data/x.edn` is inside: only a first component that is exactly `..` leaves.)
    if (inside === '' || inside.split(path.sep)[0] === '..' || path.isAbsolute(inside)) {
      throw codeError(
        'ERR_CONDO_SPEC_OUTSIDE_PREFIX',
        `${file} leads to ${opened}, outside ${root}: a spec file that is a symlink must stay in its directory`,
      );
    }
    const tooLarge = (size: number) =>
      codeError(
        'EFBIG',
        `${file} is ${size} bytes, more than the ${DEFAULT_MAX_BYTES} a spec file may hold`,
      );
    if (info.size > DEFAULT_MAX_BYTES) throw tooLarge(info.size);
    // A file growing while it is read is still bounded: never more than the limit plus a chunk.
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > DEFAULT_MAX_BYTES) throw tooLarge(length);
    }
    return Buffer.concat(chunks, length);
  } finally {
    await handle.close();
  }
}

function codeError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** True unless `file` is certainly absent (ENOENT): an unreadable file still exists. */
function existsAtAll(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch (err) {
    return !isGone(err);
  }
}

function toError(err: unknown): Error {
  // Duck-typed: fs errors may come from another realm (jest's vm contexts) and keep their `code`.
  const looksLikeError =
    typeof err === 'object' && err !== null && typeof (err as Error).message === 'string';
  return looksLikeError ? (err as Error) : new Error(String(err));
}
