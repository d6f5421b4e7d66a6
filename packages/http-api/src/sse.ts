import type { Request, Response } from 'express';

export interface EventStreamOptions {
  /** A comment line every this many ms keeps proxies and idle timeouts from closing the stream. */
  heartbeatMs: number;
  /** The reconnection delay the client is told to use. */
  retryMs: number;
  /** A client that lets this much pile up unread is cut off, so one slow reader can't grow memory. */
  maxBufferedBytes: number;
  onClose: () => void;
}

export interface EventStream {
  /** Writes one frame made by `formatEvent`. */
  send(frame: string): void;
  close(): void;
}

/** One server-sent event. JSON never holds a raw newline, so one `data:` line carries it all. */
export function formatEvent(event: string, id: number, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Turns a response into a server-sent events stream. `onClose` runs exactly once, whether the
 * client went away, the server closed the stream or the client read too slowly.
 */
export function openEventStream(
  req: Request,
  res: Response,
  options: EventStreamOptions,
): EventStream {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    // nginx buffers responses by default, which would hold events back.
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  req.socket.setNoDelay(true);
  res.write(`retry: ${options.retryMs}\n\n`);

  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    res.off('close', close);
    if (!res.writableEnded) res.end();
    options.onClose();
  };
  const write = (chunk: string): void => {
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > options.maxBufferedBytes) close();
  };
  const heartbeat = setInterval(() => write(': ping\n\n'), options.heartbeatMs);
  heartbeat.unref();
  res.on('close', close);

  return {
    send: write,
    close,
  };
}
