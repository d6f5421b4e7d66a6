import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CredentialHelperError, DockerConfigError } from './errors.js';
import { DOCKER_HUB_AUTH_KEY, DOCKER_HUB_REGISTRY, normalizeRegistryKey } from './image-ref.js';

/**
 * Credentials for one registry, in the shape the engine expects in `X-Registry-Auth`. This object
 * is the only place a secret lives; it is never logged or put into an error.
 */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

interface AuthEntry {
  username?: string;
  password?: string;
  identitytoken?: string;
}

/** The registry-auth part of a Docker config file, keyed by normalised registry host. */
export interface DockerAuthConfig {
  auths: ReadonlyMap<string, AuthEntry>;
  credHelpers: ReadonlyMap<string, string>;
  credsStore: string | undefined;
}

export const EMPTY_AUTH_CONFIG: DockerAuthConfig = {
  auths: new Map(),
  credHelpers: new Map(),
  credsStore: undefined,
};

export interface ParsedDockerConfig {
  config: DockerAuthConfig;
  /** Entries that were skipped, and why (never with a secret in them). */
  warnings: string[];
}

const helperName = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Decodes an `auth` field: base64 of `user:password`, split at the first colon only. */
function decodeAuthField(auth: string): { username: string; password: string } | undefined {
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Reads the registry-auth part of a Docker config file. Pure. A malformed entry is skipped with a
 * warning and never disables the others (one bad registry entry must not break pulls from the rest); only text that is not a JSON object
 * at all throws `DockerConfigError`.
 */
export function parseDockerConfig(text: string, file: string): ParsedDockerConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DockerConfigError(file, 'not valid JSON', { cause: err });
  }
  if (!isObject(json)) throw new DockerConfigError(file, 'not a JSON object');

  const warnings: string[] = [];
  const auths = new Map<string, AuthEntry>();
  if (json.auths !== undefined && !isObject(json.auths)) {
    warnings.push(`${file}: "auths" is not an object; ignored`);
  } else if (json.auths) {
    for (const [key, value] of Object.entries(json.auths)) {
      const registry = normalizeRegistryKey(key);
      if (!isObject(value)) {
        warnings.push(`${file}: auths entry "${key}" is not an object; ignored`);
        continue;
      }
      const entry: AuthEntry = {};
      if (typeof value.auth === 'string' && value.auth !== '') {
        // Like the Docker CLI, `auth` wins over separate username/password fields.
        const decoded = decodeAuthField(value.auth);
        if (!decoded) {
          warnings.push(
            `${file}: auths entry "${key}" has an "auth" that is not base64 of user:password; ignored`,
          );
          continue;
        }
        Object.assign(entry, decoded);
      } else if (typeof value.username === 'string' && typeof value.password === 'string') {
        entry.username = value.username;
        entry.password = value.password;
      }
      if (typeof value.identitytoken === 'string' && value.identitytoken !== '') {
        entry.identitytoken = value.identitytoken;
      }
      // An empty entry is what `docker login` leaves behind when a credential store holds the
      // secret: nothing to use, nothing to warn about.
      if (Object.keys(entry).length === 0) continue;
      if (auths.has(registry)) {
        warnings.push(
          `${file}: auths entry "${key}" names the same registry as an earlier one; ignored`,
        );
        continue;
      }
      auths.set(registry, entry);
    }
  }

  const credHelpers = new Map<string, string>();
  if (json.credHelpers !== undefined && !isObject(json.credHelpers)) {
    warnings.push(`${file}: "credHelpers" is not an object; ignored`);
  } else if (json.credHelpers) {
    for (const [key, value] of Object.entries(json.credHelpers)) {
      if (typeof value !== 'string' || !helperName.test(value)) {
        warnings.push(`${file}: credHelpers entry "${key}" is not a helper name; ignored`);
        continue;
      }
      credHelpers.set(normalizeRegistryKey(key), value);
    }
  }

  let credsStore: string | undefined;
  if (json.credsStore !== undefined && json.credsStore !== '') {
    if (typeof json.credsStore === 'string' && helperName.test(json.credsStore)) {
      credsStore = json.credsStore;
    } else {
      warnings.push(`${file}: "credsStore" is not a helper name; ignored`);
    }
  }
  return { config: { auths, credHelpers, credsStore }, warnings };
}

/** Where the Docker config file is: the explicit path, else `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(input: {
  configPath?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  homeDir?: string;
}): string {
  if (input.configPath) return input.configPath;
  const env = input.env ?? {};
  if (env.DOCKER_CONFIG) return path.join(env.DOCKER_CONFIG, 'config.json');
  return path.join(input.homeDir ?? env.HOME ?? '/root', '.docker', 'config.json');
}

/**
 * Reads and parses the config file. Never throws: like the Docker CLI, a config that is missing
 * means "no credentials", and one that can't be read (a directory, EACCES, EIO) or is not a JSON
 * object means "no credentials" plus one warning saying why, so pulls go on anonymously and
 * images of open registries keep deploying.
 */
export async function loadDockerConfig(file: string): Promise<ParsedDockerConfig> {
  const anonymous = (why: string): ParsedDockerConfig => ({
    config: EMPTY_AUTH_CONFIG,
    warnings: [`Docker config ${file}: ${why}; ignored, pulls are anonymous`],
  });
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { config: EMPTY_AUTH_CONFIG, warnings: [] };
    return anonymous(`can't be read (${code ?? String(err)})`);
  }
  try {
    return parseDockerConfig(text, file);
  } catch (err) {
    if (err instanceof DockerConfigError)
      return {
        config: EMPTY_AUTH_CONFIG,
        warnings: [`${err.message}; ignored, pulls are anonymous`],
      };
    throw err;
  }
}

/** Asks `docker-credential-<helper>` for one server's credentials; `undefined` when it has none. */
export type CredentialHelperRunner = (
  helper: string,
  serverUrl: string,
) => Promise<{ username: string; secret: string } | undefined>;

/** The address a helper or `docker login` stores a registry's credentials under. */
function helperServerUrl(registry: string): string {
  return registry === DOCKER_HUB_REGISTRY ? DOCKER_HUB_AUTH_KEY : registry;
}

/**
 * The credentials for one registry: its `credHelpers` entry, else `credsStore`, else the `auths`
 * entry. When a helper has nothing for the registry, the `auths` entry is still used (the Docker
 * CLI would stop there; falling through costs nothing and helps mixed setups).
 */
export async function resolveRegistryAuth(
  config: DockerAuthConfig,
  registry: string,
  runHelper: CredentialHelperRunner,
): Promise<RegistryAuth | undefined> {
  const host = normalizeRegistryKey(registry);
  const serveraddress = helperServerUrl(host);
  const helper = config.credHelpers.get(host) ?? config.credsStore;
  if (helper !== undefined) {
    const found = await runHelper(helper, serveraddress);
    if (found) {
      // A helper returns an identity token as the secret of the pseudo user `<token>`.
      return found.username === '<token>'
        ? { identitytoken: found.secret, serveraddress }
        : { username: found.username, password: found.secret, serveraddress };
    }
  }
  const entry = config.auths.get(host);
  return entry ? { ...entry, serveraddress } : undefined;
}

/**
 * Runs `docker-credential-<helper> get` from PATH with the server URL on stdin (the protocol of
 * docker/docker-credential-helpers). "credentials not found" is `undefined`; any other failure is
 * a `CredentialHelperError` whose message never carries the helper's stdout on success paths.
 */
export function runCredentialHelper(
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): CredentialHelperRunner {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return (helper, serverUrl) =>
    new Promise((resolve, reject) => {
      if (!helperName.test(helper)) {
        reject(new CredentialHelperError(helper, serverUrl, 'not a valid helper name'));
        return;
      }
      // stdin, stdout and stderr are pipes (spawn's default).
      const child = spawn(`docker-credential-${helper}`, ['get'], {
        env: options.env ?? process.env,
      });
      // Our own timer: spawn's `timeout` is never cleared when the binary does not exist.
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      timer.unref();
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => errOut.push(b));
      child.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const reason = err.code === 'ENOENT' ? 'not found on PATH' : err.message;
        reject(new CredentialHelperError(helper, serverUrl, reason, { cause: err }));
      });
      child.stdin.on('error', () => {
        // A helper that exits without reading stdin: its exit status tells the story.
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const stdout = Buffer.concat(out).toString('utf8').trim();
        if (code !== 0) {
          if (/credentials not found/i.test(stdout)) return resolve(undefined);
          const detail = (Buffer.concat(errOut).toString('utf8').trim() || stdout).slice(0, 200);
          const why = signal
            ? `killed by ${signal} (timeout ${timeoutMs} ms?)`
            : `exit status ${code}`;
          return reject(
            new CredentialHelperError(helper, serverUrl, detail ? `${why}: ${detail}` : why),
          );
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(stdout);
        } catch {
          // The output may hold a secret in a broken form: never echo it.
          return reject(new CredentialHelperError(helper, serverUrl, 'output is not JSON'));
        }
        if (
          !isObject(parsed) ||
          typeof parsed.Username !== 'string' ||
          typeof parsed.Secret !== 'string'
        ) {
          return reject(
            new CredentialHelperError(helper, serverUrl, 'output lacks Username/Secret'),
          );
        }
        resolve({ username: parsed.Username, secret: parsed.Secret });
      });
      child.stdin.end(serverUrl);
    });
}
