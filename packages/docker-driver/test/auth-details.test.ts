// Details of registry credentials a hand mutation showed untested: Docker Hub's every alias, a
// registry named twice in `auths`, and the server URL a credential helper is actually sent.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { normalizeRegistryKey } from '@condo/docker-driver';
import { parseDockerConfig, resolveRegistryAuth, runCredentialHelper } from '../src/auth.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('Docker Hub aliases', () => {
  it.each([
    'registry.hub.docker.com',
    'https://registry.hub.docker.com/v1/',
    'REGISTRY.HUB.DOCKER.COM',
    'registry-1.docker.io',
    'index.docker.io',
  ])('%s names docker.io', (key) => {
    expect(normalizeRegistryKey(key)).toBe('docker.io');
  });

  it('a registry.hub.docker.com entry is Docker Hub credentials', async () => {
    const { config } = parseDockerConfig(
      JSON.stringify({ auths: { 'https://registry.hub.docker.com': { auth: b64('hub:pw') } } }),
      '/cfg.json',
    );
    await expect(
      resolveRegistryAuth(config, 'docker.io', () => Promise.resolve(undefined)),
    ).resolves.toEqual({
      username: 'hub',
      password: 'pw',
      serveraddress: 'https://index.docker.io/v1/',
    });
  });
});

describe('a registry named twice in auths', () => {
  it('keeps the first entry and warns about the second, naming its key but no secret', () => {
    const { config, warnings } = parseDockerConfig(
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: b64('first:pw1') },
          'docker.io': { auth: b64('second:pw2') },
          'http://r.example:5000/v2/': { username: 'a', password: 'x' },
          'r.example:5000': { username: 'b', password: 'y' },
        },
      }),
      '/cfg.json',
    );
    expect(config.auths.get('docker.io')).toEqual({ username: 'first', password: 'pw1' });
    expect(config.auths.get('r.example:5000')).toEqual({ username: 'a', password: 'x' });
    expect(warnings).toEqual([
      '/cfg.json: auths entry "docker.io" names the same registry as an earlier one; ignored',
      '/cfg.json: auths entry "r.example:5000" names the same registry as an earlier one; ignored',
    ]);
    expect(warnings.join()).not.toMatch(/pw2|second/);
  });
});

describe('the server URL a credential helper is sent', () => {
  const bin = mkdtempSync(path.join(tmpdir(), 'condo-cred-'));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  // A helper that knows one server only, and says which one it was asked about.
  const file = path.join(bin, 'docker-credential-echo');
  writeFileSync(
    file,
    `#!/bin/sh
read -r s
case "$s" in
  https://index.docker.io/v1/|r.example:5000) printf '{"ServerURL":"%s","Username":"asked %s","Secret":"p"}' "$s" "$s" ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
  );
  chmodSync(file, 0o755);
  const run = runCredentialHelper({ env: { PATH: `${bin}:/usr/bin:/bin` } });

  it('is written to the helper on stdin, as given', async () => {
    await expect(run('echo', 'r.example:5000')).resolves.toEqual({
      username: 'asked r.example:5000',
      secret: 'p',
    });
    await expect(run('echo', 'other:5000')).resolves.toBeUndefined();
  });

  it('is https://index.docker.io/v1/ for Docker Hub, whatever alias the image used', async () => {
    const { config } = parseDockerConfig(JSON.stringify({ credsStore: 'echo' }), '/cfg.json');
    for (const registry of ['docker.io', 'registry.hub.docker.com', 'index.docker.io']) {
      await expect(resolveRegistryAuth(config, registry, run)).resolves.toEqual({
        username: 'asked https://index.docker.io/v1/',
        password: 'p',
        serveraddress: 'https://index.docker.io/v1/',
      });
    }
  });
});
