import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  type DockerAuthConfig,
  dockerConfigPath,
  loadDockerConfig,
  parseDockerConfig,
  resolveRegistryAuth,
  runCredentialHelper,
} from './auth.js';
import { DockerErrorCode } from './errors.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const parse = (json: unknown) => parseDockerConfig(JSON.stringify(json), '/cfg.json');
const noHelper = () => Promise.reject(new Error('no helper expected'));

describe('parseDockerConfig', () => {
  it('reads `auth`, splitting at the first colon only', () => {
    const { config, warnings } = parse({
      auths: { 'r.example:5000': { auth: b64('u:pass:with:colons') } },
    });
    expect(warnings).toEqual([]);
    expect(config.auths.get('r.example:5000')).toEqual({
      username: 'u',
      password: 'pass:with:colons',
    });
  });

  it('reads username/password and identitytoken; `auth` wins like in the Docker CLI', () => {
    const { config } = parse({
      auths: {
        a: { username: 'ua', password: 'pa' },
        b: { identitytoken: 'tok' },
        c: { auth: b64('from:auth'), username: 'x', password: 'y' },
      },
    });
    expect(config.auths.get('a')).toEqual({ username: 'ua', password: 'pa' });
    expect(config.auths.get('b')).toEqual({ identitytoken: 'tok' });
    expect(config.auths.get('c')).toEqual({ username: 'from', password: 'auth' });
  });

  it('normalises keys with scheme and path, and Docker Hub aliases', () => {
    const { config } = parse({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub:pw') },
        'http://127.0.0.1:5000/v2/': { auth: b64('local:pw') },
      },
    });
    expect([...config.auths.keys()].sort()).toEqual(['127.0.0.1:5000', 'docker.io']);
  });

  it('skips a malformed entry with a warning and keeps the others, never echoing a secret', () => {
    const { config, warnings } = parse({
      auths: {
        good: { auth: b64('u:p') },
        nocolon: { auth: b64('secret-without-colon') },
        notobject: 'secret-string',
        empty: {},
      },
      credHelpers: { h1: 'ok-helper', h2: '../evil', h3: 7 },
      credsStore: 'desktop',
    });
    expect([...config.auths.keys()]).toEqual(['good']);
    expect(warnings).toHaveLength(4);
    const text = warnings.join('\n');
    expect(text).not.toContain('secret');
    expect(text).not.toContain(b64('secret-without-colon'));
    expect([...config.credHelpers]).toEqual([['h1', 'ok-helper']]);
    expect(config.credsStore).toBe('desktop');
  });

  it('fails typed on a file that is not a JSON object', () => {
    for (const text of ['{nope', '[]', '"x"']) {
      expect(() => parseDockerConfig(text, '/cfg.json')).toThrow(
        expect.objectContaining({ code: DockerErrorCode.CONFIG_INVALID, file: '/cfg.json' }),
      );
    }
  });
});

describe('dockerConfigPath and loadDockerConfig', () => {
  it('picks --docker-config, else $DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigPath({ configPath: '/x.json', env: { DOCKER_CONFIG: '/d' } })).toBe(
      '/x.json',
    );
    expect(dockerConfigPath({ env: { DOCKER_CONFIG: '/d' } })).toBe('/d/config.json');
    expect(dockerConfigPath({ env: {}, homeDir: '/home/u' })).toBe('/home/u/.docker/config.json');
  });

  it('kind 12: a config that is a directory or not JSON is one warning and no credentials', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'condo-auth-'));
    try {
      const asDir = await loadDockerConfig(dir);
      expect(asDir.config.auths.size).toBe(0);
      expect(asDir.warnings).toHaveLength(1);
      expect(asDir.warnings[0]).toMatch(/can't be read \(EISDIR\).*pulls are anonymous/);
      const bad = path.join(dir, 'config.json');
      writeFileSync(bad, '{"auths": {');
      const notJson = await loadDockerConfig(bad);
      expect(notJson.config.credsStore).toBeUndefined();
      expect(notJson.warnings).toHaveLength(1);
      expect(notJson.warnings[0]).toMatch(/not valid JSON.*pulls are anonymous/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('treats a missing file as no credentials', async () => {
    const { config, warnings } = await loadDockerConfig('/nonexistent/condo/config.json');
    expect(config.auths.size).toBe(0);
    expect(warnings).toEqual([]);
  });
});

describe('resolveRegistryAuth', () => {
  const config = (json: unknown): DockerAuthConfig => parse(json).config;

  it('uses credHelpers, then credsStore, then auths', async () => {
    const calls: string[] = [];
    const helper = (name: string, server: string) => {
      calls.push(`${name}:${server}`);
      return Promise.resolve(
        name === 'empty' ? undefined : { username: `${name}-user`, secret: `${name}-secret` },
      );
    };
    const cfg = config({
      auths: { 'r1:5000': { auth: b64('file:pw') }, 'r2:5000': { auth: b64('file2:pw') } },
      credHelpers: { 'r1:5000': 'special', 'r2:5000': 'empty' },
      credsStore: 'store',
    });
    await expect(resolveRegistryAuth(cfg, 'r1:5000', helper)).resolves.toEqual({
      username: 'special-user',
      password: 'special-secret',
      serveraddress: 'r1:5000',
    });
    await expect(resolveRegistryAuth(cfg, 'r3:5000', helper)).resolves.toMatchObject({
      username: 'store-user',
    });
    // A helper with nothing for the registry falls through to the file.
    await expect(resolveRegistryAuth(cfg, 'r2:5000', helper)).resolves.toMatchObject({
      username: 'file2',
    });
    expect(calls).toEqual(['special:r1:5000', 'store:r3:5000', 'empty:r2:5000']);
  });

  it('asks helpers for Docker Hub under https://index.docker.io/v1/ and maps <token>', async () => {
    const servers: string[] = [];
    const cfg = config({ credsStore: 'hub' });
    const auth = await resolveRegistryAuth(cfg, 'docker.io', (_name, server) => {
      servers.push(server);
      return Promise.resolve({ username: '<token>', secret: 'refresh-token' });
    });
    expect(servers).toEqual(['https://index.docker.io/v1/']);
    expect(auth).toEqual({
      identitytoken: 'refresh-token',
      serveraddress: 'https://index.docker.io/v1/',
    });
  });

  it('finds nothing for a registry without an entry', async () => {
    await expect(
      resolveRegistryAuth(config({ auths: { a: { auth: b64('u:p') } } }), 'b', noHelper),
    ).resolves.toBeUndefined();
  });
});

describe('runCredentialHelper (real scripts on PATH)', () => {
  const bin = mkdtempSync(path.join(tmpdir(), 'condo-cred-'));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  const script = (name: string, body: string) => {
    const file = path.join(bin, `docker-credential-${name}`);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  };
  script('good', 'read -r s; printf \'{"ServerURL":"%s","Username":"u","Secret":"p:w"}\' "$s"');
  script('none', 'echo "credentials not found in native keychain"; exit 1');
  script('broken', 'echo "keychain locked" >&2; exit 3');
  script('garbage', 'echo "half-a-secret-s3cr3t"');
  const run = runCredentialHelper({ env: { PATH: `${bin}:/usr/bin:/bin` } });

  it('reads Username and Secret', async () => {
    await expect(run('good', 'r:5000')).resolves.toEqual({ username: 'u', secret: 'p:w' });
  });

  it('treats "credentials not found" as nothing', async () => {
    await expect(run('none', 'r:5000')).resolves.toBeUndefined();
  });

  it('fails typed, with stderr, when the helper fails', async () => {
    await expect(run('broken', 'r:5000')).rejects.toMatchObject({
      code: DockerErrorCode.CREDENTIAL_HELPER_FAILED,
      helper: 'broken',
      message: expect.stringContaining('keychain locked'),
    });
  });

  it('never echoes output it could not parse', async () => {
    const err = (await run('garbage', 'r:5000').catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: DockerErrorCode.CREDENTIAL_HELPER_FAILED });
    expect(err.message).not.toContain('s3cr3t');
  });

  it('fails typed when the helper is not on PATH or not a name', async () => {
    await expect(run('absent', 'r')).rejects.toMatchObject({
      code: DockerErrorCode.CREDENTIAL_HELPER_FAILED,
      message: expect.stringContaining('not found on PATH'),
    });
    await expect(run('../x', 'r')).rejects.toMatchObject({
      code: DockerErrorCode.CREDENTIAL_HELPER_FAILED,
    });
  });
});
