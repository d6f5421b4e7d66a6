// `dial`: the promisified dockerode `modem.dial`, for the calls dockerode would otherwise mangle.
import type Dockerode from 'dockerode';

/** Promisified `modem.dial`, for the calls dockerode would otherwise mangle. */
export function dial<T>(docker: Dockerode, opts: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    (
      docker.modem as unknown as {
        dial(o: Record<string, unknown>, cb: (err: Error | null, data: unknown) => void): void;
      }
    ).dial(opts, (err, data) => (err ? reject(err) : resolve(data as T)));
  });
}
