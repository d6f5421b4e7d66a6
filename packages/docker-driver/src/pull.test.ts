import { describe, expect, it } from '@jest/globals';
import { classifyPullFailure, engineMessage, streamLineError, toProgressEvent } from './pull.js';

describe('classifyPullFailure', () => {
  it.each([
    ['manifest for r/x:nope not found: manifest unknown: manifest unknown', 'not-found'],
    ['Tag oops-alpine not found in repository docker.io/library/alpine', 'not-found'],
    ['Head "http://127.0.0.1:1/v2/x/manifests/1": no basic auth credentials', 'unauthorized'],
    ['unauthorized: authentication required', 'unauthorized'],
    [
      "pull access denied for nope, repository does not exist or may require 'docker login'",
      'unauthorized',
    ],
    [
      'Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused',
      'unreachable',
    ],
    [
      'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host',
      'unreachable',
    ],
    [
      'Get "https://r/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)',
      'unreachable',
    ],
    ['error pulling image configuration: download failed after attempts=1: unknown blob', 'failed'],
  ])('%s', (message, reason) => {
    expect(classifyPullFailure(message)).toBe(reason);
  });
});

describe('stream lines', () => {
  it('finds the error of an in-stream error line', () => {
    expect(streamLineError({ errorDetail: { message: 'm1' }, error: 'm1' })).toBe('m1');
    expect(streamLineError({ errorDetail: { message: 'only detail' } })).toBe('only detail');
    expect(streamLineError({ status: 'Downloading' })).toBeUndefined();
    expect(streamLineError('x')).toBeUndefined();
  });

  it('turns progress lines into events', () => {
    expect(
      toProgressEvent('img', {
        status: 'Downloading',
        id: 'abc',
        progressDetail: { current: 5, total: 10 },
        progress: '[=>  ]',
      }),
    ).toEqual({ image: 'img', status: 'Downloading', layer: 'abc', current: 5, total: 10 });
    expect(toProgressEvent('img', { status: 'Pulling from x' })).toEqual({
      image: 'img',
      status: 'Pulling from x',
    });
    expect(toProgressEvent('img', { unparsed: 'x' })).toBeUndefined();
  });
});

describe('engineMessage', () => {
  it('reads the JSON message, else strips docker-modem prefix', () => {
    expect(engineMessage({ json: { message: 'No such container: x' } })).toBe(
      'No such container: x',
    );
    expect(engineMessage(new Error('(HTTP code 404) unexpected - manifest unknown '))).toBe(
      'manifest unknown',
    );
    expect(engineMessage(new Error('(HTTP code 500) server error - a - b '))).toBe('a - b');
    expect(engineMessage(new Error('plain'))).toBe('plain');
  });
});
