import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { inspect } from 'node:util';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { DockerEndpointError } from './errors.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** TLS settings of a `tcp://` endpoint, as the Docker CLI reads them from the environment. */
export interface DockerTls {
  /** Verify the engine's certificate against `ca.pem` (`DOCKER_TLS_VERIFY`). */
  verify: boolean;
  /** Directory holding `ca.pem`, `cert.pem`, `key.pem` (`DOCKER_CERT_PATH`, else `~/.docker`). */
  certDir: string;
}

export type DockerEndpoint =
  | { kind: 'unix'; socketPath: string; url: string }
  | { kind: 'tcp'; host: string; port: number; tls: DockerTls | undefined; url: string };

export interface ResolveEndpointInput {
  /** The `-d/--docker` option; wins over the environment. */
  endpoint?: string | undefined;
  /** Where `DOCKER_HOST`, `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH` are read (default: none). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Home directory for the default cert path. */
  homeDir?: string;
}

function envFlag(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * Resolves where the engine is: the explicit endpoint, else `DOCKER_HOST`, else the default unix
 * socket. Pure: reads nothing but its input. TLS is on for `https://` and whenever
 * `DOCKER_TLS_VERIFY` is set (to anything but `""`, `0` or `false`).
 */
export function resolveDockerEndpoint(input: ResolveEndpointInput = {}): DockerEndpoint {
  const env = input.env ?? {};
  const raw = input.endpoint ?? (env.DOCKER_HOST || undefined) ?? `unix://${DEFAULT_DOCKER_SOCKET}`;
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
  const scheme = schemeMatch ? schemeMatch[1]!.toLowerCase() : 'tcp';
  const rest = schemeMatch ? raw.slice(schemeMatch[0].length) : raw;

  if (scheme === 'unix') {
    if (!rest.startsWith('/')) {
      throw new DockerEndpointError(raw, 'a unix socket needs an absolute path');
    }
    return { kind: 'unix', socketPath: rest, url: `unix://${rest}` };
  }
  if (scheme !== 'tcp' && scheme !== 'http' && scheme !== 'https') {
    throw new DockerEndpointError(raw, `scheme ${scheme}:// is not supported`);
  }

  let parsed: URL;
  try {
    parsed = new URL(`http://${rest}`);
  } catch (err) {
    throw new DockerEndpointError(raw, 'not a host:port address', { cause: err });
  }
  // No empty host to check: the URL parser throws on one (`tcp://`, `tcp://:1`).
  if (parsed.username !== '' || parsed.password !== '') {
    throw new DockerEndpointError(raw, 'expected host:port');
  }
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '') {
    throw new DockerEndpointError(raw, 'a path prefix is not supported');
  }

  const verify = envFlag(env.DOCKER_TLS_VERIFY);
  const useTls = scheme === 'https' || verify;
  const tls: DockerTls | undefined = useTls
    ? {
        verify,
        certDir: env.DOCKER_CERT_PATH || path.join(input.homeDir ?? env.HOME ?? '/root', '.docker'),
      }
    : undefined;
  const port = parsed.port === '' ? (useTls ? 2376 : 2375) : Number(parsed.port);
  // URL keeps IPv6 hosts in brackets; the http module wants them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    kind: 'tcp',
    host,
    port,
    tls,
    url: `${useTls ? 'https' : 'tcp'}://${parsed.host}${parsed.port === '' ? `:${port}` : ''}`,
  };
}

function readTlsFile(
  endpoint: DockerEndpoint,
  file: string,
  required: boolean,
): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DockerEndpointError(endpoint.url, `can't read ${file}`, { cause: err });
  }
}

/**
 * docker-modem formats every request's options with `util.inspect(..., {showHidden: true,
 * depth: null})` for a debug line, even when debugging is off. Those options hold the agent, and
 * walking a busy connection pool (every socket, parser and buffer) costs time that grows with
 * the number of connections: at a few hundred concurrent services it was most of condod's CPU.
 * The agent therefore formats as one short string.
 */
function quietAgent<A extends HttpAgent>(agent: A): A {
  Object.defineProperty(agent, inspect.custom, { value: () => '[condo docker agent]' });
  return agent;
}

/**
 * The dockerode constructor options for an endpoint (reads the TLS files), with an HTTP agent of
 * its own: destroy `agent` to release every pooled connection. Every connection key is set
 * explicitly: docker-modem otherwise merges in `DOCKER_HOST` and `DOCKER_CLIENT_TIMEOUT` from the
 * process environment behind our back.
 */
export function dockerodeOptions(
  endpoint: DockerEndpoint,
  version?: string,
): Dockerode.DockerOptions & { agent: HttpAgent } {
  const base = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    protocol: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    timeout: undefined,
    version,
  };
  if (endpoint.kind === 'unix') {
    return {
      ...base,
      socketPath: endpoint.socketPath,
      agent: quietAgent(new HttpAgent({ keepAlive: true })),
    };
  }
  if (!endpoint.tls) {
    return {
      ...base,
      protocol: 'http',
      host: endpoint.host,
      port: endpoint.port,
      agent: quietAgent(new HttpAgent({ keepAlive: true })),
    };
  }
  const dir = endpoint.tls.certDir;
  const ca = readTlsFile(endpoint, path.join(dir, 'ca.pem'), endpoint.tls.verify);
  const cert = readTlsFile(endpoint, path.join(dir, 'cert.pem'), false);
  const key = readTlsFile(endpoint, path.join(dir, 'key.pem'), false);
  if ((cert === undefined) !== (key === undefined)) {
    throw new DockerEndpointError(endpoint.url, `${dir} holds only one of cert.pem and key.pem`);
  }
  return {
    ...base,
    protocol: 'https',
    host: endpoint.host,
    port: endpoint.port,
    ca,
    cert,
    key,
    // Without DOCKER_TLS_VERIFY the Docker CLI encrypts but does not check the engine's identity.
    agent: quietAgent(
      new HttpsAgent({
        keepAlive: true,
        rejectUnauthorized: endpoint.tls.verify,
        ca,
        cert,
        key,
      }),
    ),
  };
}
