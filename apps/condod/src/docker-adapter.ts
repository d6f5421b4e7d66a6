import type { DockerDriver, DriverEvent, PullProgressEvent } from '@condo/docker-driver';
import type { ContainerReport, Driver, PullPolicy, ServiceSpec } from '@condo/state-machine';

export interface DockerAdapterOptions {
  driver: DockerDriver;
  /** The daemon's instance id: every container it creates is labelled with it. */
  instanceId: string;
  /** Extra labels for every container (`--container-label`), under condo's own. */
  labels?: Readonly<Record<string, string>>;
  /** A pull answered from the local image store because the registry was unreachable. */
  onPullFallback?: (image: string, reason: string) => void;
  onPullProgress?: (image: string, event: PullProgressEvent) => void;
}

/**
 * The state machine's `Driver` over `@condo/docker-driver`: the only place where the two
 * vocabularies meet. Health follows the driver's event-driven `watch`; after a container is
 * healthy, its exits keep being reported until the machine stops monitoring it.
 */
export function createDockerAdapter(opts: DockerAdapterOptions): Driver {
  const { driver, instanceId } = opts;
  // Pulls of one image under one policy that overlap share a single engine pull: a fleet of
  // services on the same image (or a restart of all of them) pulls it once, not once each.
  const pulling = new Map<string, Promise<void>>();
  const pullOnce = async (image: string, policy: PullPolicy) => {
    const outcome = await driver.pull(image, policy, {
      onProgress: (event) => opts.onPullProgress?.(image, event),
    });
    if (outcome.action === 'fallback') opts.onPullFallback?.(image, outcome.error.message);
  };
  return {
    pull(image: string, policy: PullPolicy) {
      const key = `${policy} ${image}`;
      const inFlight = pulling.get(key);
      if (inFlight) return inFlight;
      const pull = pullOnce(image, policy).finally(() => pulling.delete(key));
      pulling.set(key, pull);
      return pull;
    },

    create(spec: ServiceSpec, _options: { op: number; signal?: AbortSignal }) {
      return driver.create({
        service: spec.name,
        instanceId,
        specHash: spec.hash,
        spec: spec.container,
        ...(opts.labels ? { labels: opts.labels } : {}),
      });
    },

    start: (id) => driver.start(id),
    stop: (id, timeoutSeconds) => driver.stop(id, timeoutSeconds),
    remove: (id) => driver.remove(id),

    monitor(id: string, report: (r: ContainerReport) => void) {
      const abort = new AbortController();
      let unsubscribe: (() => void) | undefined;
      let done = false;
      const finish = (r: ContainerReport) => {
        if (done) return;
        report(r);
      };

      const followExits = () => {
        // After `healthy`, a stable container is still watched: an exit Docker will not undo by
        // its restart policy sends the service back to TryAgain (design.md 4).
        const check = async (exitCode: number | null) => {
          const details = await driver.inspect(id).catch(() => undefined);
          if (!details) return finish({ type: 'exited', exitCode, restarting: false });
          if (details.running) return;
          finish({
            type: 'exited',
            exitCode: exitCode ?? details.exitCode,
            restarting: willRestart(details.restartPolicy, details.exitCode, details.status),
          });
        };
        unsubscribe = driver.subscribe((event: DriverEvent) => {
          if (done) return;
          if (event.type === 'container.died' && event.id === id) {
            void check(event.exitCode ?? null);
          } else if (event.type === 'container.destroyed' && event.id === id) {
            finish({ type: 'exited', exitCode: null, restarting: false });
          } else if (event.type === 'events.connected' && event.reconnected) {
            void check(null); // events may have been missed while the stream was down
          }
        });
      };

      driver.watch(id, { signal: abort.signal }).then(
        (outcome) => {
          switch (outcome.status) {
            case 'healthy':
              finish({ type: 'healthy' });
              if (!done) followExits();
              return;
            case 'unhealthy':
              return finish({
                type: 'unhealthy',
                message: 'Docker reports the container unhealthy',
              });
            case 'exited':
              return finish({
                type: 'exited',
                exitCode: outcome.exitCode,
                restarting: false,
              });
            case 'removed':
              return finish({ type: 'exited', exitCode: null, restarting: false });
          }
        },
        (err: unknown) => {
          if (done || abort.signal.aborted) return;
          finish({ type: 'unhealthy', message: `watching the container failed: ${String(err)}` });
        },
      );

      return () => {
        done = true;
        abort.abort();
        unsubscribe?.();
      };
    },
  };
}

/** Whether Docker itself will start an exited container again, by its restart policy. */
export function willRestart(policy: string, exitCode: number, status: string): boolean {
  if (status === 'restarting') return true;
  if (policy === 'always' || policy === 'unless-stopped') return true;
  if (policy === 'on-failure') return exitCode !== 0;
  return false;
}
