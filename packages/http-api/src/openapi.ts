import { API_ERROR_STATUS } from './errors.js';
import { HASH_PATTERN, MAX_WAIT_TIMEOUT_S } from './params.js';
import { CONTAINER_HEALTHS, STATE_NAMES } from './types.js';

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
const waitResponse = (description: string, status: string) => ({
  description,
  content: json({
    type: 'object',
    required: ['status'],
    properties: {
      status: { const: status },
      error: ref('ErrorBody'),
    },
  }),
});
const unauthorized = errorResponse('`--api-token` is set and the request carries no valid token.');

const time = { type: 'string', format: 'date-time' };
const timeOrNull = { type: ['string', 'null'], format: 'date-time' };

/** The OpenAPI 3.1 description of every route `createApp` serves (also at `/v1/openapi.json`). */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'condo HTTP API',
    version: '1',
    description:
      'The HTTP API of condod, the Docker container supervisor. Errors are JSON ' +
      '`{error: {code, message}}`; codes are stable, messages are for people.',
  },
  servers: [{ url: 'http://127.0.0.1:{port}', variables: { port: { default: '8080' } } }],
  security: [{ bearer: [] }, { cookie: [] }],
  paths: {
    '/': {
      get: {
        summary: 'Redirects to the web UI.',
        responses: { '302': { description: 'Redirect to `/ui`.' } },
      },
    },
    '/v1/state': {
      get: {
        summary: 'The local state: every service this daemon supervises.',
        responses: {
          '200': {
            description: 'Services by name.',
            content: json({ type: 'object', additionalProperties: ref('Service') }),
          },
          '401': unauthorized,
        },
      },
    },
    '/v1/state/{service}': {
      get: {
        summary: 'One service of the local state.',
        parameters: [{ name: 'service', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'The service.', content: json(ref('Service')) },
          '400': errorResponse('Not a service name.'),
          '401': unauthorized,
          '404': errorResponse('No such service (`ERR_CONDO_API_UNKNOWN_SERVICE`).'),
        },
      },
    },
    '/v1/global_state': {
      get: {
        summary: 'The fleet view: one entry per host and service, from Consul or etcd.',
        responses: {
          '200': {
            description: 'Every published entry.',
            content: json({ type: 'array', items: ref('GlobalEntry') }),
          },
          '400': errorResponse('Exposure is off (`ERR_CONDO_API_EXPOSURE_OFF`).'),
          '401': unauthorized,
          '503': errorResponse('The store cannot be read (`ERR_CONDO_API_STORE_UNAVAILABLE`).'),
        },
      },
    },
    '/v1/wait_for': {
      get: {
        summary:
          'Waits until the service is Stable with exactly this image (or spec revision) on every ' +
          'host that reports it (locally when exposure is off). Event-driven; a service no host ' +
          'reports yet is waited for.',
        parameters: [
          { name: 'name', in: 'query', required: true, schema: { type: 'string', maxLength: 255 } },
          {
            name: 'image',
            in: 'query',
            description: 'Exactly one of `image` and `hash`.',
            schema: { type: 'string', maxLength: 1024 },
          },
          {
            name: 'hash',
            in: 'query',
            description:
              'A spec revision (`specHash` of `/v1/state`): 64 lowercase hex digits, optionally after a scheme (`upstream-sha256:`).',
            schema: { type: 'string', pattern: HASH_PATTERN.source },
          },
          {
            name: 'timeout',
            in: 'query',
            required: true,
            description: 'Seconds.',
            schema: { type: 'integer', minimum: 1, maximum: MAX_WAIT_TIMEOUT_S },
          },
        ],
        responses: {
          '200': waitResponse('The condition holds.', 'ok'),
          '400': errorResponse('A parameter is missing or bad.'),
          '401': unauthorized,
          '409': waitResponse(
            'That revision was rejected after `:max-attempts` failures.',
            'rejected',
          ),
          '500': waitResponse('`timeout` seconds passed.', 'timeout'),
          '503': waitResponse(
            'Exposure is on and the store could not be read until the timeout.',
            'unavailable',
          ),
        },
      },
    },
    '/v1/events': {
      get: {
        summary:
          'Server-sent events: `snapshot` first (`{host, exposure, services}`), then `service` ' +
          '(`{service, from, to, entry}`) for every change and `removed` (`{service, from}`); ' +
          'with exposure on, `fleet` (`{type: "put", entry}` with a `/v1/global_state` entry, or ' +
          '`{type: "delete", service, instance}`) for every change of the fleet view. ' +
          'Every event has an `id`; comments keep the stream alive.',
        responses: {
          '200': {
            description: 'An event stream.',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          '401': unauthorized,
        },
      },
    },
    '/v1/openapi.json': {
      get: {
        summary: 'This document.',
        responses: {
          '200': { description: 'OpenAPI 3.1.', content: json({ type: 'object' }) },
          '401': unauthorized,
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (text format).',
        responses: {
          '200': {
            description: 'Metrics.',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          '401': unauthorized,
        },
      },
    },
    '/healthz': {
      get: {
        summary: "Whether the daemon's loops are alive. Never needs the token.",
        security: [],
        responses: {
          '200': { description: 'Alive.', content: json(ref('Health')) },
          '503': {
            description: 'A check failed (`ERR_CONDO_API_UNHEALTHY`).',
            content: json(ref('Health')),
          },
        },
      },
    },
    '/ui': {
      get: {
        summary:
          'The web UI. `?token=T` stores the token in an HttpOnly cookie and redirects to `/ui`.',
        parameters: [{ name: 'token', in: 'query', schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'The page.',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
          '303': { description: 'Token accepted, cookie set.' },
          '401': unauthorized,
        },
      },
    },
    '/ui/app.js': {
      get: {
        summary: "The UI's script.",
        responses: { '200': { description: 'JavaScript.' }, '401': unauthorized },
      },
    },
    '/ui/app.css': {
      get: {
        summary: "The UI's style sheet.",
        responses: { '200': { description: 'CSS.' }, '401': unauthorized },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer' },
      cookie: { type: 'apiKey', in: 'cookie', name: 'condo_api_token' },
    },
    schemas: {
      ErrorBody: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { enum: Object.keys(API_ERROR_STATUS) },
          message: { type: 'string' },
          hint: { type: 'string' },
        },
      },
      Error: { type: 'object', required: ['error'], properties: { error: ref('ErrorBody') } },
      Container: {
        type: ['object', 'null'],
        required: ['id', 'name', 'image', 'specHash', 'createdAt', 'stableAt', 'health'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          image: { type: ['string', 'null'] },
          specHash: { type: 'string' },
          createdAt: time,
          stableAt: timeOrNull,
          health: {
            enum: [...CONTAINER_HEALTHS, null],
            description:
              'The last health Docker reported (none: no HEALTHCHECK); null while unknown.',
          },
        },
      },
      LastError: {
        type: ['object', 'null'],
        required: ['code', 'message', 'at'],
        properties: {
          code: { type: 'string' },
          message: { type: 'string' },
          at: time,
          file: { type: 'string' },
          line: { type: 'integer' },
          column: { type: 'integer' },
        },
      },
      Service: {
        type: 'object',
        required: ['state', 'current', 'next', 'pendingSpec', 'retryAt', 'lastError', 'file'],
        properties: {
          state: { enum: [...STATE_NAMES] },
          current: ref('Container'),
          next: ref('Container'),
          pendingSpec: { type: ['string', 'null'] },
          retryAt: timeOrNull,
          lastError: ref('LastError'),
          file: { type: ['string', 'null'] },
          rejected: { type: 'boolean' },
          attempts: { type: 'integer', minimum: 0 },
        },
      },
      GlobalEntry: {
        type: 'object',
        required: ['host', 'instance', 'service', 'snapshot', 'updatedAt'],
        properties: {
          host: { type: 'string' },
          instance: { type: 'string' },
          service: { type: 'string' },
          snapshot: ref('Service'),
          updatedAt: time,
        },
      },
      Health: {
        type: 'object',
        required: ['status'],
        properties: {
          status: { enum: ['ok', 'unhealthy'] },
          checks: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              properties: { ok: { type: 'boolean' }, detail: { type: 'string' } },
            },
          },
          error: ref('ErrorBody'),
        },
      },
    },
  },
} as const;
