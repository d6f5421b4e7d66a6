// Pulls: policies, progress lines, reading the progress stream, and why a pull failed.
import {
  type DockerError,
  DockerUnavailableError,
  ImagePullError,
  type PullFailureReason,
} from './errors.js';
import { JsonLineParser } from './json-lines.js';

/** Pull policies, as `:pull` spells them (@condo/types' `PullPolicy`). */
export { PULL_POLICIES, type PullPolicy } from '@condo/types';

/** One progress line of a pull, for logs. */
export interface PullProgressEvent {
  image: string;
  status: string;
  /** Layer id, when the line is about one layer. */
  layer?: string;
  current?: number;
  total?: number;
}

/** How a `pull` ended when it did not throw. */
export type PullOutcome =
  /** Pulled from the registry (it may already have been up to date). */
  | { image: string; action: 'pulled' }
  /** Present locally and the policy did not ask for a pull. */
  | { image: string; action: 'present' }
  /**
   * `:always`, the registry could not be reached, the image is present locally: use it. `error` is
   * what the pull reported, so the caller can say so.
   */
  | { image: string; action: 'fallback'; error: Error };

/** The error a pull stream line carries, if any (`error`, else `errorDetail.message`). */
export function streamLineError(line: unknown): string | undefined {
  if (line === null || typeof line !== 'object') return undefined;
  const { error, errorDetail } = line as { error?: unknown; errorDetail?: { message?: unknown } };
  if (typeof error === 'string' && error !== '') return error;
  if (errorDetail && typeof errorDetail.message === 'string' && errorDetail.message !== '') {
    return errorDetail.message;
  }
  return undefined;
}

/** A progress line as an event, or undefined when it is not one. */
export function toProgressEvent(image: string, line: unknown): PullProgressEvent | undefined {
  if (line === null || typeof line !== 'object') return undefined;
  const { status, id, progressDetail } = line as {
    status?: unknown;
    id?: unknown;
    progressDetail?: { current?: unknown; total?: unknown };
  };
  if (typeof status !== 'string') return undefined;
  const event: PullProgressEvent = { image, status };
  if (typeof id === 'string') event.layer = id;
  if (typeof progressDetail?.current === 'number') event.current = progressDetail.current;
  if (typeof progressDetail?.total === 'number') event.total = progressDetail.total;
  return event;
}

const unreachable =
  /dial tcp|connection refused|no such host|i\/o timeout|network is unreachable|no route to host|tls handshake timeout|context deadline exceeded|connection reset|server misbehaving|awaiting headers|502 bad gateway|503 service unavailable|504 gateway|: eof$/i;
const unauthorized =
  /unauthorized|authentication required|no basic auth credentials|access denied|denied:|forbidden|incorrect username or password/i;
const notFound =
  /manifest unknown|not found|does not exist|name unknown|repository name not known/i;

/**
 * Classifies the engine's message for a failed pull. Order matters: "pull access denied ...
 * repository does not exist or may require 'docker login'" is an auth problem first, and a
 * connection failure while fetching a manifest is an outage, not a missing tag.
 */
export function classifyPullFailure(message: string): PullFailureReason {
  if (unreachable.test(message)) return 'unreachable';
  if (unauthorized.test(message)) return 'unauthorized';
  if (notFound.test(message)) return 'not-found';
  return 'failed';
}

/** docker-modem formats non-2xx answers as `(HTTP code 404) unexpected - <message> `. */
export function engineMessage(err: unknown): string {
  const e = err as { json?: unknown; message?: unknown };
  if (e.json && typeof e.json === 'object') {
    const m = (e.json as { message?: unknown }).message;
    if (typeof m === 'string') return m;
  }
  const text = typeof e.message === 'string' ? e.message : String(err);
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

/**
 * Reads a pull's progress stream to its end. A pull can fail after its 200: the first `error`
 * line rejects with `ImagePullError`, a broken stream with `DockerUnavailableError`.
 */
export function followPullStream(
  image: string,
  stream: NodeJS.ReadableStream,
  opts: {
    /** Aborts the read (the pull timed out or was cancelled). */
    signal: AbortSignal;
    /** The error an abort rejects with. */
    aborted: () => DockerError;
    onProgress?: ((event: PullProgressEvent) => void) | undefined;
  },
): Promise<void> {
  const { signal, aborted, onProgress } = opts;
  const parser = new JsonLineParser();
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const settle = (err?: Error): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      if (err) {
        (stream as { destroy?: () => void }).destroy?.();
        reject(err);
      } else resolve();
    };
    const onAbort = (): void => settle(aborted());
    const handle = (lines: unknown[]): void => {
      for (const line of lines) {
        if (done) return;
        const message = streamLineError(line);
        if (message !== undefined) {
          return settle(new ImagePullError(image, classifyPullFailure(message), 'stream', message));
        }
        const progress = toProgressEvent(image, line);
        if (progress && onProgress) onProgress(progress);
      }
    };
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer | string) => {
      try {
        handle(parser.push(chunk));
      } catch (err) {
        settle(err as Error);
      }
    });
    stream.on('end', () => {
      handle(parser.end());
      settle();
    });
    stream.on('error', (err: Error) => {
      settle(
        signal.aborted ? aborted() : new DockerUnavailableError(`pull ${image}`, { cause: err }),
      );
    });
  });
}
