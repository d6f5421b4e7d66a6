import { describe, expect, it } from '@jest/globals';
import { normalizeRegistryKey, parseImageReference } from './image-ref.js';

describe('parseImageReference', () => {
  it.each([
    ['nginx', 'docker.io', 'library/nginx', 'latest', undefined, 'nginx:latest'],
    ['nginx:1.25', 'docker.io', 'library/nginx', '1.25', undefined, 'nginx:1.25'],
    ['user/app:2', 'docker.io', 'user/app', '2', undefined, 'user/app:2'],
    [
      '127.0.0.1:5000/condo/app:1',
      '127.0.0.1:5000',
      'condo/app',
      '1',
      undefined,
      '127.0.0.1:5000/condo/app:1',
    ],
    ['localhost/app', 'localhost', 'app', 'latest', undefined, 'localhost/app:latest'],
    [
      'registry.example.com/a/b/c',
      'registry.example.com',
      'a/b/c',
      'latest',
      undefined,
      'registry.example.com/a/b/c:latest',
    ],
    [
      'host:5000/app@sha256:abc',
      'host:5000',
      'app',
      undefined,
      'sha256:abc',
      'host:5000/app@sha256:abc',
    ],
    ['app:1@sha256:abc', 'docker.io', 'library/app', undefined, 'sha256:abc', 'app@sha256:abc'],
  ])('%s', (image, registry, repository, tag, digest, canonical) => {
    expect(parseImageReference(image)).toMatchObject({
      registry,
      repository,
      tag,
      digest,
      canonical,
    });
  });

  it('never asks for every tag: a bare name pulls :latest', () => {
    expect(parseImageReference('busybox')).toMatchObject({ name: 'busybox', tag: 'latest' });
  });
});

describe('normalizeRegistryKey', () => {
  it.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['docker.io', 'docker.io'],
    ['http://127.0.0.1:5000/v2/', '127.0.0.1:5000'],
    ['https://Registry.Example.com', 'registry.example.com'],
    ['registry.example.com:443/path', 'registry.example.com:443'],
    // Whitespace around a key is not part of it.
    ['  https://r.example:5000/v2/ ', 'r.example:5000'],
    [' r.example:5000 ', 'r.example:5000'],
    // A scheme is stripped only at the start: text that merely contains `x://` is not rewritten
    // into another registry's name.
    ['1https://r.example', '1https:'],
  ])('%s -> %s', (key, registry) => {
    expect(normalizeRegistryKey(key)).toBe(registry);
  });
});
