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
    for (const text of ['[]', '"x"', 'null']) {
      expect(() => parseDockerConfig(text, '/cfg.json')).toThrow(
        expect.objectContaining({
          code: DockerErrorCode.CONFIG_INVALID,
          file: '/cfg.json',
          message: 'Docker config /cfg.json: not a JSON object',
        }),
      );
    }
  });

  it('fails typed on text that is not JSON, keeping the parser error as cause', () => {
    expect(() => parseDockerConfig('{nope', '/cfg.json')).toThrow(
      expect.objectContaining({
        code: DockerErrorCode.CONFIG_INVALID,
        message: 'Docker config /cfg.json: not valid JSON',
        cause: expect.any(SyntaxError),
      }),
    );
  });

  it('says which entry it skipped and why, one warning each', () => {
    const { config, warnings } = parse({
      auths: {
        notobject: 'secret-string',
        nulled: null,
        nocolon: { auth: b64('secret-without-colon') },
        nouser: { auth: b64(':secret-password') },
        good: { auth: b64('u:p') },
      },
      credHelpers: { h1: 'ok-helper', h2: '../evil', h3: 7, h4: 'ok/../../bin/sh' },
      credsStore: 'desk top',
    });
    expect([...config.auths.keys()]).toEqual(['good']);
    expect([...config.credHelpers]).toEqual([['h1', 'ok-helper']]);
    expect(config.credsStore).toBeUndefined();
    expect(warnings).toEqual([
      '/cfg.json: auths entry "notobject" is not an object; ignored',
      '/cfg.json: auths entry "nulled" is not an object; ignored',
      '/cfg.json: auths entry "nocolon" has an "auth" that is not base64 of user:password; ignored',
      '/cfg.json: auths entry "nouser" has an "auth" that is not base64 of user:password; ignored',
      '/cfg.json: credHelpers entry "h2" is not a helper name; ignored',
      '/cfg.json: credHelpers entry "h3" is not a helper name; ignored',
      '/cfg.json: credHelpers entry "h4" is not a helper name; ignored',
      '/cfg.json: "credsStore" is not a helper name; ignored',
    ]);
  });

  it.each([
    ['a string', 'osxkeychain'],
    ['an array', [{ auth: b64('u:p') }]],
  ])('ignores "auths" and "credHelpers" that are %s, with one warning each', (_what, value) => {
    const { config, warnings } = parse({ auths: value, credHelpers: value, credsStore: 'desktop' });
    expect(config.auths.size).toBe(0);
    expect(config.credHelpers.size).toBe(0);
    expect(config.credsStore).toBe('desktop');
    expect(warnings).toEqual([
      '/cfg.json: "auths" is not an object; ignored',
      '/cfg.json: "credHelpers" is not an object; ignored',
    ]);
  });

  it('has nothing to say about sections that are absent or empty', () => {
    expect(parse({})).toEqual({
      config: { auths: new Map(), credHelpers: new Map(), credsStore: undefined },
      warnings: [],
    });
    expect(parse({ auths: {}, credHelpers: {}, credsStore: '' })).toEqual({
      config: { auths: new Map(), credHelpers: new Map(), credsStore: undefined },
      warnings: [],
    });
  });

  it('treats an empty `auth` or `identitytoken` as absent', () => {
    const { config, warnings } = parse({
      auths: {
        a: { auth: '', username: 'ua', password: 'pa' },
        b: { auth: b64('ub:pb'), identitytoken: '' },
        c: { auth: '', identitytoken: '' },
      },
    });
    expect(warnings).toEqual([]);
    expect(config.auths).toEqual(
      new Map([
        ['a', { username: 'ua', password: 'pa' }],
        ['b', { username: 'ub', password: 'pb' }],
      ]),
    );
  });
});

describe('dockerConfigPath and loadDockerConfig', () => {
  it('picks --docker-config, else $DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigPath({ configPath: '/x.json', env: { DOCKER_CONFIG: '/d' } })).toBe(
      '/x.json',
    );
    expect(dockerConfigPath({ env: { DOCKER_CONFIG: '/d' } })).toBe('/d/config.json');
    expect(dockerConfigPath({ env: {}, homeDir: '/home/u' })).toBe('/home/u/.docker/config.json');
    expect(dockerConfigPath({ env: { HOME: '/home/h' } })).toBe('/home/h/.docker/config.json');
    expect(dockerConfigPath({})).toBe('/root/.docker/config.json');
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
  const script = (name: string, body: string, mode = 0o755) => {
    const file = path.join(bin, `docker-credential-${name}`);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, mode);
  };
  // Like the real helpers, `good` answers the `get` action only.
  script(
    'good',
    '[ "$1" = get ] || { echo "unknown action: $1" >&2; exit 2; }\n' +
      'read -r s; printf \'{"ServerURL":"%s","Username":"u","Secret":"p:w"}\\n\' "$s"',
  );
  // A name the config must not be able to pick, though a file by that name is on PATH.
  script('good evil', 'read -r s; printf \'{"Username":"evil","Secret":"x"}\'');
  script('none', 'echo "credentials not found in native keychain"; exit 1');
  script('broken', 'echo "keychain locked" >&2; exit 3');
  script('chatty', 'printf "%0500d" 0 >&2; exit 3');
  script('stdoutonly', 'echo "  store offline  "; exit 4');
  script('blank', 'echo; echo " " >&2; exit 5');
  script('deaf', 'exit 6');
  script('hang', 'exec sleep 10');
  script('noexec', 'exit 0', 0o644);
  script('garbage', 'echo "half-a-secret-s3cr3t"');
  script('partial', 'echo \'{"Username":"u","Password":"s3cr3t"}\'');
  const run = runCredentialHelper({ env: { PATH: `${bin}:/usr/bin:/bin` } });
  const failure = (helper: string, server = 'r:5000') =>
    run(helper, server).then(
      (v) => {
        throw new Error(`expected a failure, got ${JSON.stringify(v)}`);
      },
      (e: unknown) => e as Error,
    );

  it('runs `get`, reading Username and Secret', async () => {
    await expect(run('good', 'r:5000')).resolves.toEqual({ username: 'u', secret: 'p:w' });
  });

  it('treats "credentials not found" as nothing', async () => {
    await expect(run('none', 'r:5000')).resolves.toBeUndefined();
  });

  it('fails typed, with its exit status and stderr, when the helper fails', async () => {
    await expect(run('broken', 'r:5000')).rejects.toMatchObject({
      code: DockerErrorCode.CREDENTIAL_HELPER_FAILED,
      helper: 'broken',
      message:
        'credential helper docker-credential-broken failed for r:5000: exit status 3: keychain locked',
    });
  });

  it('says why with stdout when stderr is empty, and nothing when both are blank', async () => {
    expect((await failure('stdoutonly')).message).toBe(
      'credential helper docker-credential-stdoutonly failed for r:5000: exit status 4: store offline',
    );
    expect((await failure('blank')).message).toBe(
      'credential helper docker-credential-blank failed for r:5000: exit status 5',
    );
  });

  it('keeps at most 200 characters of what the helper said', async () => {
    const { message } = await failure('chatty');
    expect(message).toContain(`exit status 3: ${'0'.repeat(200)}`);
    expect(message).not.toContain('0'.repeat(201));
  });

  it('fails on its exit status when the helper exits without reading the server URL', async () => {
    // More than a pipe holds: the write fails (EPIPE) once the helper is gone.
    const { message } = await failure('deaf', `r:5000/${'x'.repeat(1 << 20)}`);
    expect(message).toMatch(/: exit status 6$/);
  });

  it('kills a helper that hangs after timeoutMs', async () => {
    const quick = runCredentialHelper({ timeoutMs: 200, env: { PATH: `${bin}:/usr/bin:/bin` } });
    await expect(quick('hang', 'r:5000')).rejects.toMatchObject({
      code: DockerErrorCode.CREDENTIAL_HELPER_FAILED,
      message:
        'credential helper docker-credential-hang failed for r:5000: killed by SIGKILL (timeout 200 ms?)',
    });
  });

  it('never echoes output it could not parse', async () => {
    const err = await failure('garbage');
    expect(err).toMatchObject({
      code: DockerErrorCode.CREDENTIAL_HELPER_FAILED,
      message: 'credential helper docker-credential-garbage failed for r:5000: output is not JSON',
    });
    expect(err.message).not.toContain('s3cr3t');
  });

  it('fails when the output lacks Username or Secret, never echoing it', async () => {
    await expect(run('partial', 'r:5000')).rejects.toMatchObject({
      code: DockerErrorCode.CREDENTIAL_HELPER_FAILED,
      message:
        'credential helper docker-credential-partial failed for r:5000: output lacks Username/Secret',
    });
  });

  it('fails typed when the helper is not on PATH, with the spawn error as cause', async () => {
    await expect(run('absent', 'r')).rejects.toMatchObject({
      code: DockerErrorCode.CREDENTIAL_HELPER_FAILED,
      message: 'credential helper docker-credential-absent failed for r: not found on PATH',
      cause: expect.objectContaining({ code: 'ENOENT' }),
    });
  });

  it('says what spawning failed with when the helper is there but cannot run', async () => {
    const err = await failure('noexec');
    expect(err.message).toMatch(/failed for r:5000: spawn docker-credential-noexec EACCES$/);
    expect(err.cause).toMatchObject({ code: 'EACCES' });
  });

  it('runs nothing for a name that is not a helper name', async () => {
    for (const name of ['../x', 'good evil']) {
      await expect(run(name, 'r')).rejects.toMatchObject({
        code: DockerErrorCode.CREDENTIAL_HELPER_FAILED,
        message: `credential helper docker-credential-${name} failed for r: not a valid helper name`,
      });
    }
  });
});
