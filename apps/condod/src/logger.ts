import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';
export type LogFormat = 'json' | 'pretty';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * condod's logger: JSON lines (one object per line, for collectors) unless asked for `pretty`,
 * the default on a terminal. Written synchronously so that the last lines before a crash or a
 * `kill -9` are not lost in a buffer.
 */
export function createLogger(opts: {
  format?: LogFormat;
  level?: LogLevel;
  destination?: NodeJS.WritableStream;
}): Logger {
  const destination = opts.destination ?? process.stderr;
  const tty = (destination as { isTTY?: boolean }).isTTY === true;
  const format = opts.format ?? (tty ? 'pretty' : 'json');
  const options = { level: opts.level ?? 'info', base: { pid: process.pid } };
  if (format === 'pretty') {
    return pino(
      options,
      pretty({
        destination,
        sync: true,
        colorize: tty,
        // The message already names the service, both states, the reason and the containers.
        ignore: 'pid,hostname,service,from,to,reason,current,next',
        translateTime: 'SYS:HH:MM:ss.l',
      }),
    );
  }
  return opts.destination
    ? pino(options, opts.destination)
    : pino(options, pino.destination({ dest: 2, sync: true }));
}
