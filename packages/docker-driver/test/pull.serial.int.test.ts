import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Cleanups,
  controlTestEnv,
  dockerTestRun,
  loadTestEnv,
  runContainer,
} from '@condo/test-utils';
import {
  type DockerDriver,
  type DriverOptions,
  DockerErrorCode,
  type ImagePullError,
  type PullProgressEvent,
} from '@condo/docker-driver';
import { holdEngineShared } from './engine-lock.js';
import { startBrokenBlobRegistry } from './fake-registry.js';
import { newInstanceId, specFor, tempDir, testDriver } from './helpers.js';

// Sequential on purpose: the auth tests pull the same registry image (removing it first, so
// every pull really reaches the registry), and the last tests stop the registry.
const env = loadTestEnv();
const run = dockerTestRun();
const { address: registry, pushedImage } = env.registry;
const tmp = tempDir('pull');
const drivers: DockerDriver[] = [];
// Each test's containers go before its images do (a used image can't be removed).
const cleanups = new Cleanups();
afterEach(() => cleanups.run());
let release: (() => Promise<void>) | undefined;

beforeAll(async () => {
  release = await holdEngineShared();
}, 120_000);

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** A driver whose Docker config file is exactly `config`. */
async function driverWithConfig(
  config: unknown,
  options: DriverOptions = {},
): Promise<DockerDriver> {
  const dir = path.join(tmp.dir, `cfg-${drivers.length}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const driver = await testDriver({ dockerConfig: file, ...options });
  drivers.push(driver);
  return driver;
}

async function removeLocalImage(image: string): Promise<void> {
  try {
    await run.docker.getImage(image).remove();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

async function expectPulledFromRegistry(driver: DockerDriver): Promise<PullProgressEvent[]> {
  await removeLocalImage(pushedImage);
  expect(await driver.imageExists(pushedImage)).toBe(false);
  const progress: PullProgressEvent[] = [];
  await expect(
    driver.pull(pushedImage, 'always', { onProgress: (e) => progress.push(e) }),
  ).resolves.toEqual({
    image: pushedImage,
    action: 'pulled',
  });
  expect(await driver.imageExists(pushedImage)).toBe(true);
  return progress;
}

/** Nothing about a credential may show in an error, its cause chain included. */
function expectNoSecret(err: unknown, ...secrets: string[]): void {
  const text = inspect(err, { depth: 20, showHidden: true });
  for (const s of secrets) {
    expect(text).not.toContain(s);
    expect(text).not.toContain(b64(s));
  }
}

afterAll(async () => {
  try {
    await Promise.all(drivers.map((d) => d.close()));
    // Leave the environment as `up` left it: the pushed image absent from the local store.
    await removeLocalImage(pushedImage);
    tmp.remove();
    expect(await run.cleanup()).toEqual([]);
  } finally {
    await release?.();
  }
});

describe('registry auth from the Docker config file', () => {
  it('pulls with an `auth` entry', async () => {
    const driver = await driverWithConfig({
      auths: { [registry]: { auth: b64(`${env.registry.username}:${env.registry.password}`) } },
    });
    const progress = await expectPulledFromRegistry(driver);
    expect(progress.map((p) => p.status)).toContain('Pulling from condo-test/pushed');
  });

  it('pulls with username/password under a key with scheme and path', async () => {
    const driver = await driverWithConfig({
      auths: {
        [`http://${registry}/v2/`]: {
          username: env.registry.username,
          password: env.registry.password,
        },
      },
    });
    await expectPulledFromRegistry(driver);
  });

  it('pulls with a password containing colons', async () => {
    const driver = await driverWithConfig({
      auths: {
        [registry]: { auth: b64(`${env.registry.colonUsername}:${env.registry.colonPassword}`) },
      },
    });
    await expectPulledFromRegistry(driver);
  });

  describe('credential helpers on PATH', () => {
    const bin = path.join(tmp.dir, 'bin');
    const calls = path.join(tmp.dir, 'helper-calls');
    beforeAll(() => {
      mkdirSync(bin, { recursive: true });
      const script = path.join(bin, 'docker-credential-condotest');
      writeFileSync(
        script,
        [
          '#!/bin/sh',
          '[ "$1" = get ] || exit 1',
          'read -r server',
          `echo "$server" >> '${calls}'`,
          `if [ "$server" = '${registry}' ]; then`,
          `  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$server" '${env.registry.colonUsername}' '${env.registry.colonPassword}'`,
          'else',
          '  echo "credentials not found in native keychain"; exit 1',
          'fi',
          '',
        ].join('\n'),
      );
      chmodSync(script, 0o755);
    });
    const helperEnv = () => ({ PATH: `${bin}:${process.env.PATH ?? ''}` });

    it('pulls through credHelpers', async () => {
      const driver = await driverWithConfig(
        { credHelpers: { [registry]: 'condotest' } },
        { env: helperEnv() },
      );
      await expectPulledFromRegistry(driver);
      expect(readFileSync(calls, 'utf8').trim().split('\n')).toContain(registry);
    });

    it('pulls through credsStore', async () => {
      const driver = await driverWithConfig(
        { credsStore: 'condotest', auths: { [registry]: {} } },
        { env: helperEnv() },
      );
      await expectPulledFromRegistry(driver);
    });

    it('a credHelpers entry naming a helper not on PATH fails CREDENTIAL_HELPER_FAILED', async () => {
      const driver = await driverWithConfig({ credHelpers: { [registry]: 'absent-helper' } });
      await expect(driver.pull(pushedImage, 'always')).rejects.toMatchObject({
        code: DockerErrorCode.CREDENTIAL_HELPER_FAILED,
      });
    });
  });

  it('reloadAuth() reads a config file rewritten with credentials: the next pull succeeds, one warning for a bad entry', async () => {
    const driver = await driverWithConfig({});
    await removeLocalImage(pushedImage);
    await expect(driver.pull(pushedImage, 'always')).rejects.toMatchObject({
      code: DockerErrorCode.PULL_UNAUTHORIZED,
    });
    const file = path.join(tmp.dir, `cfg-${drivers.length - 1}`, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        auths: {
          [registry]: { auth: b64(`${env.registry.username}:${env.registry.password}`) },
          bad: 'x',
        },
      }),
    );
    const warnings = await driver.reloadAuth();
    expect(warnings).toHaveLength(1);
    await expectPulledFromRegistry(driver);
  });
});

describe('pull failures', () => {
  it('fails without credentials, with the registry message', async () => {
    const driver = await driverWithConfig({});
    await removeLocalImage(pushedImage);
    const err = (await driver
      .pull(pushedImage, 'always')
      .catch((e: unknown) => e)) as ImagePullError;
    // Engine 20.10 reports a missing credential as an HTTP error (500), before any stream.
    expect(err).toMatchObject({
      code: DockerErrorCode.PULL_UNAUTHORIZED,
      reason: 'unauthorized',
      via: 'http',
      image: pushedImage,
    });
    expect(err.message).toContain('no basic auth credentials');
  });

  it('fails with a wrong password without echoing it', async () => {
    const wrong = 'wrong-Secret-4711';
    const driver = await driverWithConfig({
      auths: { [registry]: { username: env.registry.username, password: wrong } },
    });
    await removeLocalImage(pushedImage);
    const err = (await driver
      .pull(pushedImage, 'always')
      .catch((e: unknown) => e)) as ImagePullError;
    expect(err).toMatchObject({ code: DockerErrorCode.PULL_UNAUTHORIZED });
    expect(err.message).toContain('unauthorized: authentication required');
    expectNoSecret(err, wrong, `${env.registry.username}:${wrong}`);
  });

  it('fails for a missing tag with the registry message', async () => {
    const driver = await driverWithConfig({
      auths: { [registry]: { auth: b64(`${env.registry.username}:${env.registry.password}`) } },
    });
    const missing = `${registry}/condo-test/pushed:no-such-tag-${run.runId}`;
    const err = (await driver.pull(missing, 'always').catch((e: unknown) => e)) as ImagePullError;
    // Engine 20.10 reports a missing tag as an HTTP error (404), before any stream.
    expect(err).toMatchObject({
      code: DockerErrorCode.PULL_NOT_FOUND,
      reason: 'not-found',
      via: 'http',
      image: missing,
    });
    expect(err.message).toContain('manifest unknown');
    expectNoSecret(err, env.registry.password);
  });

  it('fails on an `error` line inside a 200 stream', async () => {
    const broken = await startBrokenBlobRegistry();
    try {
      const driver = await driverWithConfig({});
      const image = `${broken.address}/condo-test/broken:${run.runId}`;
      const progress: PullProgressEvent[] = [];
      const err = (await driver
        .pull(image, 'always', { onProgress: (e) => progress.push(e) })
        .catch((e: unknown) => e)) as ImagePullError;
      expect(err).toMatchObject({ code: DockerErrorCode.PULL_FAILED, via: 'stream', image });
      expect(err.message).toContain('unknown blob');
      // The stream had started: the engine reported progress before the error line.
      expect(progress.length).toBeGreaterThan(0);
    } finally {
      await broken.close();
    }
  });
});

describe('pull policies', () => {
  const localOnly = `${registry}/condo-driver-test/local-only:${run.runId}`;
  beforeAll(async () => {
    // An image that exists only in the local store, under a name of the real registry that the
    // registry does not hold: any attempt to reach the registry would fail the pull.
    await run.docker.getImage(env.images.healthy).tag({
      repo: `${registry}/condo-driver-test/local-only`,
      tag: run.runId,
    });
  });
  afterAll(() => removeLocalImage(localOnly));

  it(':missing and :never start a local-only image without touching the registry', async () => {
    const driver = await driverWithConfig({});
    await expect(driver.pull(localOnly, 'missing')).resolves.toEqual({
      image: localOnly,
      action: 'present',
    });
    await expect(driver.pull(localOnly, 'never')).resolves.toEqual({
      image: localOnly,
      action: 'present',
    });
    // The control: with `:always` the same image does go to the registry, which refuses it.
    await expect(driver.pull(localOnly, 'always')).rejects.toMatchObject({
      code: DockerErrorCode.PULL_UNAUTHORIZED,
    });
    const options = { service: 'local', instanceId: newInstanceId(), specHash: 'h' };
    const c = await runContainer(
      driver,
      { ...options, spec: specFor(localOnly), labels: run.labels },
      cleanups,
    );
    expect((await driver.inspect(c.id)).running).toBe(true);
  });

  it(':never with an image that is not present fails IMAGE_MISSING', async () => {
    const driver = await driverWithConfig({});
    await expect(driver.pull(`${localOnly}-absent`, 'never')).rejects.toMatchObject({
      code: DockerErrorCode.IMAGE_MISSING,
    });
  });

  it(':missing pulls what is absent', async () => {
    const driver = await driverWithConfig({
      auths: { [registry]: { auth: b64(`${env.registry.username}:${env.registry.password}`) } },
    });
    await removeLocalImage(pushedImage);
    await expect(driver.pull(pushedImage, 'missing')).resolves.toEqual({
      image: pushedImage,
      action: 'pulled',
    });
    await expect(driver.pull(pushedImage, 'missing')).resolves.toEqual({
      image: pushedImage,
      action: 'present',
    });
  });

  it(':always falls back to the local image when the registry is stopped', async () => {
    const driver = await driverWithConfig({
      auths: { [registry]: { auth: b64(`${env.registry.username}:${env.registry.password}`) } },
    });
    await driver.pull(pushedImage, 'always');
    await controlTestEnv('stop', 'registry');
    try {
      const outcome = await driver.pull(pushedImage, 'always');
      expect(outcome).toMatchObject({
        image: pushedImage,
        action: 'fallback',
        error: { code: DockerErrorCode.PULL_UNREACHABLE },
      });
      // Not present locally: no fallback, a typed failure.
      await expect(
        driver.pull(`${registry}/condo-test/other:${run.runId}`, 'always'),
      ).rejects.toMatchObject({
        code: DockerErrorCode.PULL_UNREACHABLE,
      });
      const options = { service: 'fallback', instanceId: newInstanceId(), specHash: 'h' };
      const c = await runContainer(
        driver,
        { ...options, spec: specFor(pushedImage), labels: run.labels },
        cleanups,
      );
      expect((await driver.inspect(c.id)).running).toBe(true);
    } finally {
      await controlTestEnv('start', 'registry');
    }
  });
});
