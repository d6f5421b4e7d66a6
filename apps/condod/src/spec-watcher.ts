import { createHash } from 'node:crypto';
import { constants, lstatSync, watch, type FSWatcher } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MAX_BYTES, SPEC_ERROR_CODES, isSpecFileName } from '@condo/spec-edn';

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
  /**
   * How often each prefix's live watch is checked (ms, default 1000): a prefix that came back,
   * was replaced or is a symlink switched to another directory is watched again, and rescanned.
   */
  watchCheckMs?: number;
}

/** A live file-system watch on one directory, and which directory (dev:ino) it is. */
interface LiveWatch {
  watcher: FSWatcher;
  id: string;
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
 * Every file-system event in a prefix (any entry, hidden ones such as Kubernetes' `..data`
 * included) and every event on the prefix's own name in its parent directory only triggers a
 * rescan of that prefix; the rescan (readdir + stat, reading only files whose identity — inode,
 * size, mtime, ctime — changed) is the single source of truth. That one path handles in-place
 * writes, `cp -p`, rename-into-place (consul-template), symlink swaps inside the prefix
 * (Kubernetes config maps) and of the prefix itself (`ln -sfn new cur.new && mv -T cur.new
 * cur`), and, run periodically, events the OS never delivered. The periodic rescan reads and
 * hashes every file, so even a rewrite that keeps size, mtime and ctime is seen.
 *
 * The live watch follows the directory a prefix names now: after each scan, and every
 * `watchCheckMs`, a prefix that is missing, replaced or switched is watched again. While a prefix
 * has no live watch, {@link SpecWatcher.problems} says so.
 *
 * Only a file whose directory entry is gone (ENOENT on lstat) for the whole grace period is
 * removed; when another prefix holds a file of the same name, the service is handed over to it
 * instead (a `changed`, never a `removed`). A file or prefix that exists but cannot be read (a
 * symlink whose target is missing included) keeps its services, and is reported once.
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
  /** prefix -> the live watch of the directory it names. */
  readonly #live = new Map<string, LiveWatch>();
  /** prefix -> why it has no live watch (an error code), while it has none. */
  readonly #liveLost = new Map<string, string>();
  /** parent directory -> the watch that sees its prefixes renamed, replaced or switched. */
  readonly #parents = new Map<string, LiveWatch>();
  /** prefix -> watches of the directories inside it that its symlinked spec files lead into. */
  readonly #targets = new Map<string, Map<string, LiveWatch>>();
  #interval: NodeJS.Timeout | undefined;
  #watchCheck: NodeJS.Timeout | undefined;
  #closed = false;
  /** When the last full rescan finished (ms since the epoch; 0 before the first). */
  #lastFullScanAt = 0;

  constructor(options: SpecWatcherOptions) {
    this.#preferred = options.owners ?? new Map();
    this.#opts = {
      debounceMs: 20,
      removalGraceMs: 500,
      rescanIntervalMs: 30_000,
      watchCheckMs: 1000,
      ...options,
      prefixes: options.prefixes.map((p) => path.resolve(p)),
    };
  }

  /** Scans every prefix (reporting what it holds), then follows changes. */
  async start(): Promise<void> {
    // Each scan watches its prefix first, so nothing that changes during it goes unseen.
    for (const prefix of this.#opts.prefixes) await this.#enqueueScan(prefix, false);
    if (this.#opts.watchCheckMs > 0) {
      this.#watchCheck = setInterval(() => void this.#checkWatches(), this.#opts.watchCheckMs);
      this.#watchCheck.unref();
    }
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
   * The watcher's own health, for `/healthz`: the prefixes it can't list, the prefixes without a
   * live watch (only the periodic rescan would see their changes), a periodic rescan that has not
   * completed for three intervals. Empty when all is well.
   */
  problems(now = Date.now()): string[] {
    const out: string[] = [];
    for (const p of this.#opts.prefixes) {
      const unreadable = this.#unreadable.get(p);
      if (unreadable !== undefined) out.push(`cannot list ${p} (${unreadable})`);
      else if (!this.#live.has(p)) {
        out.push(
          `no live watch of ${p} (${this.#liveLost.get(p) ?? 'not armed'}): its changes are seen only by the periodic rescan`,
        );
      }
    }
    const every = this.#opts.rescanIntervalMs;
    if (every > 0 && this.#lastFullScanAt > 0 && now - this.#lastFullScanAt > 3 * every) {
      out.push(`no full rescan for ${Math.round((now - this.#lastFullScanAt) / 1000)} s`);
    }
    return out;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#interval);
    clearInterval(this.#watchCheck);
    for (const t of this.#rescanTimers.values()) clearTimeout(t);
    for (const t of this.#pendingRemovals.values()) clearTimeout(t);
    const targets = [...this.#targets.values()].flatMap((t) => [...t.values()]);
    for (const live of [...this.#live.values(), ...this.#parents.values(), ...targets]) {
      live.watcher.close();
    }
    this.#live.clear();
    this.#parents.clear();
    this.#targets.clear();
    await this.#scanning;
  }

  /**
   * Makes sure `prefix`, and its parent directory, are watched as they are now: a watch on a
   * directory the name no longer leads to (moved away, replaced, a symlink switched) is
   * replaced. True when a new watch of the prefix was set up (what happened before it may have
   * gone unseen: the caller rescans).
   */
  async #arm(prefix: string): Promise<boolean> {
    if (this.#closed) return false;
    const parent = path.dirname(prefix);
    await this.#follow(this.#parents, parent, (name) => {
      for (const p of this.#opts.prefixes) {
        if (path.dirname(p) === parent && (name === null || name === path.basename(p))) {
          this.#scheduleRescan(p);
        }
      }
    });
    const armed = await this.#follow(this.#live, prefix, () => this.#scheduleRescan(prefix));
    if (armed === true) this.#liveLost.delete(prefix);
    else if (armed !== false && this.#liveLost.get(prefix) !== armed) {
      this.#liveLost.set(prefix, armed);
      // Out of inotify watches or descriptors: logged once per code (a missing or unreadable
      // prefix is the scan's to report).
      if (!['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'ELOOP'].includes(armed)) {
        const error = codeError(
          armed,
          `cannot watch ${prefix} (${armed}): its changes are seen only by the periodic rescan`,
        );
        this.#emit({ type: 'unreadable', path: '', error, services: [] });
      }
    }
    return armed === true;
  }

  /**
   * Watches directory `dir` in `watches` (replacing a watch of what `dir` named before).
   * Returns true for a new watch, false when the existing one still fits, or the error code
   * when `dir` can't be watched now (its old watch is dropped).
   */
  async #follow(
    watches: Map<string, LiveWatch>,
    dir: string,
    onEvent: (name: string | null) => void,
  ): Promise<boolean | string> {
    const current = watches.get(dir);
    let id: string;
    try {
      const st = await stat(dir);
      if (!st.isDirectory()) throw codeError('ENOTDIR', `${dir} is not a directory`);
      id = `${st.dev}:${st.ino}`;
    } catch (err) {
      current?.watcher.close();
      watches.delete(dir);
      return (err as NodeJS.ErrnoException).code ?? 'EIO';
    }
    if (current?.id === id || this.#closed) return false;
    current?.watcher.close();
    watches.delete(dir);
    try {
      // Stat before watch: a switch in between leaves a stale id, which the next check fixes.
      const watcher = watch(dir, { persistent: false }, (_type, name) =>
        onEvent(typeof name === 'string' ? name : null),
      );
      watcher.on('error', () => {
        watcher.close();
        if (watches.get(dir)?.watcher === watcher) watches.delete(dir);
        onEvent(null);
      });
      watches.set(dir, { watcher, id });
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code ?? 'EIO';
    }
  }

  /** Re-arms what needs it; a prefix watched anew is rescanned (its changes may have been missed). */
  async #checkWatches(): Promise<void> {
    for (const prefix of this.#opts.prefixes) {
      if (await this.#arm(prefix)) this.#scheduleRescan(prefix);
    }
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

  /**
   * `full`: read and hash every file, not only those whose identity changed. The prefix's live
   * watch is first made to follow what the prefix names now, so nothing after the listing goes
   * unseen.
   */
  async #scan(prefix: string, full: boolean): Promise<void> {
    await this.#arm(prefix);
    await this.#scanOnce(prefix, full);
  }

  async #scanOnce(prefix: string, full: boolean): Promise<void> {
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
    /** Directories inside the prefix that its symlinked spec files lead into. */
    const targetDirs = new Set<string>();
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
      } catch (caught) {
        // Vanished between readdir and stat: absent. A symlink whose target is missing: an error.
        const err = isGone(caught) ? await danglingOrGone(file, caught) : caught;
        if (err === null) continue;
        present.add(file);
        this.#cancelRemoval(file);
        if (this.#claim(service, file, prefix, owner)) this.#reportUnreadable(file, err, [service]);
        continue;
      }
      present.add(file);
      this.#cancelRemoval(file);
      if (!this.#claim(service, file, prefix, owner)) continue;
      const targetDir = await linkTargetDir(file, prefix);
      if (targetDir !== null) targetDirs.add(targetDir);
      const known = this.#owned.get(service)!;
      const wasUnreadable = this.#unreadable.has(file) || prefixRecovered;
      if (!full && !wasUnreadable && known.spec && known.identity === identity) continue;

      let bytes: Buffer;
      try {
        bytes = await readSpecFile(file, prefix);
      } catch (caught) {
        const err = isGone(caught) ? await danglingOrGone(file, caught) : caught;
        if (err !== null) this.#reportUnreadable(file, err, [service]);
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
    // An edit through a link (`web.edn -> sub/web.edn`) happens in `sub`, not in the prefix.
    const targets = this.#targets.get(prefix) ?? new Map<string, LiveWatch>();
    this.#targets.set(prefix, targets);
    for (const [dir, live] of targets) {
      if (!targetDirs.has(dir)) {
        live.watcher.close();
        targets.delete(dir);
      }
    }
    for (const dir of targetDirs) {
      await this.#follow(targets, dir, () => this.#scheduleRescan(prefix));
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
    // Only a directory entry that is gone (ENOENT on lstat: a dangling symlink is still there)
    // means gone.
    const gone = await lstat(file).then(
      () => false,
      (err: unknown) => isGone(err),
    );
    if (!gone || this.#unreadable.has(known.prefix)) return;
    this.#owned.delete(service);
    this.#unreadable.delete(file);
    // A file of the same service in another prefix (the file moved there, or a duplicate that
    // waited) takes over without a removal: scanned right away, inside this same queue step, it
    // reports a `changed` (same bytes: the caller's canonical comparison finds nothing to do).
    const name = path.basename(file);
    for (const prefix of this.#opts.prefixes) {
      const heir = path.join(prefix, name);
      if (heir === file || !existsAtAll(heir)) continue;
      this.#conflicts.delete(heir);
      await this.#scanOnce(prefix, false);
      if (this.#owned.has(service)) return;
    }
    this.#emit({ type: 'removed', service, file });
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
 * - `ERR_CONDO_SPEC_TOO_LARGE`: more than `DEFAULT_MAX_BYTES` (1 MiB) of @condo/spec-edn, as
 *   condo-lint says it; never loaded whole.
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
        SPEC_ERROR_CODES.TOO_LARGE,
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

/**
 * The directory a symlinked spec file leads into, when that is inside the prefix but not the
 * prefix itself (`web.edn -> ..data/web.edn`); null otherwise (not a link, outside, an error).
 */
async function linkTargetDir(file: string, prefix: string): Promise<string | null> {
  try {
    if (!(await lstat(file)).isSymbolicLink()) return null;
    const dir = path.dirname(await realpath(file));
    const inside = path.relative(await realpath(prefix), dir);
    if (inside === '' || inside.split(path.sep)[0] === '..' || path.isAbsolute(inside)) {
      return null;
    }
    return dir;
  } catch {
    return null;
  }
}

/**
 * For a path that stat or open found missing: null when its directory entry is gone too (it is
 * absent), else the error of a symlink whose target is missing (`ERR_CONDO_SPEC_DANGLING_LINK`).
 */
async function danglingOrGone(file: string, err: unknown): Promise<NodeJS.ErrnoException | null> {
  try {
    await lstat(file);
  } catch (lstatErr) {
    return isGone(lstatErr) ? null : toError(lstatErr);
  }
  const target = await readlink(file).catch(() => null);
  if (target === null) return toError(err);
  return codeError(
    'ERR_CONDO_SPEC_DANGLING_LINK',
    `${file} is a symlink to ${target}, which does not exist`,
  );
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
