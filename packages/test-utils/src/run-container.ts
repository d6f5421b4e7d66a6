// `runContainer`: create, start and register the removal of one test container, in one call.
import type { Cleanups } from './cleanups.js';
import { TEST_LABEL, TEST_RUN_LABEL } from './labels.js';

/** What `runContainer` asks of a driver; `DockerDriver` of @condo/docker-driver is one. */
export interface ContainerRunner<Options, Created extends { id: string }> {
  create(options: Options): Promise<Created>;
  start(id: string): Promise<void>;
  /** Removes the container even when it runs; a container already gone is no error. */
  remove(id: string): Promise<void>;
}

/**
 * Creates a container through `driver`, registers its removal (`driver.remove(id)`) with
 * `cleanups` at once, so a start that fails leaves nothing behind, then starts it. Resolves with
 * what `create` returned. `options.labels` must carry the test labels (`run.labels` of
 * `dockerTestRun()`): without them it throws before anything reaches the engine.
 *
 * ```ts
 * const { id } = await runContainer(driver, { ...createOptions, labels: run.labels }, cleanups);
 * ```
 */
export async function runContainer<
  Options extends { labels?: Readonly<Record<string, string>> },
  Created extends { id: string },
>(
  driver: ContainerRunner<Options, Created>,
  options: Options,
  cleanups: Cleanups,
): Promise<Created> {
  const labels = options.labels ?? {};
  if (labels[TEST_LABEL] !== 'true' || !labels[TEST_RUN_LABEL]) {
    throw new Error(
      `runContainer: the labels must carry ${TEST_LABEL}=true and ${TEST_RUN_LABEL} ` +
        `(pass labels: run.labels); got ${JSON.stringify(labels)}`,
    );
  }
  const created = await driver.create(options);
  cleanups.add(() => driver.remove(created.id));
  await driver.start(created.id);
  return created;
}
