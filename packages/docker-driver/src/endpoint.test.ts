import { describe, expect, it } from '@jest/globals';
import { DockerErrorCode } from './errors.js';
import { inspect } from 'node:util';
import { dockerodeOptions, resolveDockerEndpoint } from './endpoint.js';

describe('resolveDockerEndpoint', () => {
  it('defaults to the standard socket', () => {
    expect(resolveDockerEndpoint()).toEqual({
      kind: 'unix',
      socketPath: '/var/run/docker.sock',
      url: 'unix:///var/run/docker.sock',
    });
  });

  it('prefers the explicit endpoint over DOCKER_HOST', () => {
    expect(
      resolveDockerEndpoint({ endpoint: 'unix:///a.sock', env: { DOCKER_HOST: 'tcp://h:1' } }),
    ).toMatchObject({ kind: 'unix', socketPath: '/a.sock' });
    expect(resolveDockerEndpoint({ env: { DOCKER_HOST: 'unix:///b.sock' } })).toMatchObject({
      socketPath: '/b.sock',
    });
    expect(resolveDockerEndpoint({ env: { DOCKER_HOST: '' } })).toMatchObject({
      socketPath: '/var/run/docker.sock',
    });
  });

  it('parses tcp:// with and without a port', () => {
    expect(resolveDockerEndpoint({ endpoint: 'tcp://10.0.0.5:2375' })).toEqual({
      kind: 'tcp',
      host: '10.0.0.5',
      port: 2375,
      tls: undefined,
      url: 'tcp://10.0.0.5:2375',
    });
    expect(resolveDockerEndpoint({ endpoint: 'tcp://docker.local' })).toMatchObject({
      host: 'docker.local',
      port: 2375,
    });
    expect(resolveDockerEndpoint({ endpoint: 'docker.local:1234' })).toMatchObject({
      kind: 'tcp',
      port: 1234,
    });
    expect(resolveDockerEndpoint({ endpoint: 'tcp://[::1]:2375' })).toMatchObject({ host: '::1' });
  });

  it('turns TLS on with DOCKER_TLS_VERIFY, with the cert path or ~/.docker', () => {
    expect(
      resolveDockerEndpoint({
        endpoint: 'tcp://h',
        env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' },
      }),
    ).toEqual({
      kind: 'tcp',
      host: 'h',
      port: 2376,
      tls: { verify: true, certDir: '/certs' },
      url: 'https://h:2376',
    });
    expect(
      resolveDockerEndpoint({
        endpoint: 'tcp://h:1',
        env: { DOCKER_TLS_VERIFY: '1' },
        homeDir: '/home/u',
      }),
    ).toMatchObject({ tls: { verify: true, certDir: '/home/u/.docker' } });
    expect(resolveDockerEndpoint({ endpoint: 'https://h:1', homeDir: '/home/u' })).toMatchObject({
      tls: { verify: false, certDir: '/home/u/.docker' },
    });
    for (const off of ['', '0', 'false']) {
      expect(
        resolveDockerEndpoint({ endpoint: 'tcp://h:1', env: { DOCKER_TLS_VERIFY: off } }),
      ).toMatchObject({ tls: undefined });
    }
  });

  it('takes http:// as plain tcp://', () => {
    expect(resolveDockerEndpoint({ endpoint: 'http://h:1' })).toEqual({
      kind: 'tcp',
      host: 'h',
      port: 1,
      tls: undefined,
      url: 'tcp://h:1',
    });
  });

  it('looks for the certificates in $HOME/.docker without a home directory, else /root/.docker', () => {
    expect(
      resolveDockerEndpoint({ endpoint: 'https://h', env: { HOME: '/home/e' } }),
    ).toMatchObject({ tls: { certDir: '/home/e/.docker' } });
    expect(resolveDockerEndpoint({ endpoint: 'https://h', env: {} })).toMatchObject({
      tls: { certDir: '/root/.docker' },
    });
  });

  it.each([
    ['ssh://user@host', 'scheme ssh:// is not supported'],
    ['ftp://h:1', 'scheme ftp:// is not supported'],
    ['npipe:////./pipe/docker_engine', 'scheme npipe:// is not supported'],
    ['unix://', 'a unix socket needs an absolute path'],
    ['unix://relative.sock', 'a unix socket needs an absolute path'],
    ['tcp://h:1/prefix', 'a path prefix is not supported'],
    ['tcp://h:1?x=1', 'a path prefix is not supported'],
    ['tcp://h:1#x', 'a path prefix is not supported'],
    ['tcp://u:p@h:1', 'expected host:port'],
    ['tcp://u@h:1', 'expected host:port'],
    ['tcp://:p@h:1', 'expected host:port'],
  ])('rejects %s: %s', (endpoint, reason) => {
    expect(() => resolveDockerEndpoint({ endpoint })).toThrow(
      expect.objectContaining({
        code: DockerErrorCode.ENDPOINT_INVALID,
        message: `invalid Docker endpoint ${endpoint}: ${reason}`,
      }),
    );
  });

  // ' tcp://h:1': a scheme counts only at the very start, so this is a host with a space in it.
  it.each(['tcp://h:port', 'tcp://h:99999', 'tcp://', 'tcp://:1', ' tcp://h:1'])(
    "rejects %j as not a host:port address, with the URL parser's error as cause",
    (endpoint) => {
      expect(() => resolveDockerEndpoint({ endpoint })).toThrow(
        expect.objectContaining({
          code: DockerErrorCode.ENDPOINT_INVALID,
          message: `invalid Docker endpoint ${endpoint}: not a host:port address`,
          cause: expect.objectContaining({ code: 'ERR_INVALID_URL' }),
        }),
      );
    },
  );
});

describe('dockerodeOptions', () => {
  it('gives an agent that docker-modem formats in constant time, however busy the pool', () => {
    // docker-modem runs util.inspect(options, {showHidden: true, depth: null}) on every
    // request; a full walk of a busy pool made condod CPU-bound at a few hundred services.
    const endpoint = resolveDockerEndpoint({ endpoint: 'unix:///var/run/docker.sock', env: {} });
    const { agent } = dockerodeOptions(endpoint);
    try {
      expect(inspect({ agent }, { showHidden: true, depth: null })).toBe(
        '{ agent: [condo docker agent] }',
      );
    } finally {
      agent.destroy();
    }
  });
});
