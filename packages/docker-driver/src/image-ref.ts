/** Docker Hub's registry, as the engine and the Docker config file name it. */
export const DOCKER_HUB_REGISTRY = 'docker.io';
/** The key Docker Hub credentials are stored under in `config.json` and credential helpers. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/** An image reference split the way the engine splits it. */
export interface ImageReference {
  /** Registry host (with port), `docker.io` for unqualified names. */
  registry: string;
  /** Repository path inside the registry (`library/nginx` for `nginx`). */
  repository: string;
  /** The tag; `latest` when neither tag nor digest is given. */
  tag: string | undefined;
  digest: string | undefined;
  /** `fromImage` for `POST /images/create`: the name without tag or digest, as written. */
  name: string;
  /** The reference to pull and to look up locally: `name:tag` or `name@digest`. */
  canonical: string;
}

/**
 * Splits an image reference. The first path component is a registry when it contains `.` or `:`
 * or is `localhost` (the engine's rule); anything else is on Docker Hub. A reference without tag
 * or digest means `:latest`: pulling a bare name must never ask for every tag.
 */
export function parseImageReference(image: string): ImageReference {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';

  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasRegistry =
    slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : DOCKER_HUB_REGISTRY;
  let repository = hasRegistry ? rest.slice(slash + 1) : rest;
  if (!hasRegistry && !repository.includes('/')) repository = `library/${repository}`;

  const canonical = digest !== undefined ? `${rest}@${digest}` : `${rest}:${tag}`;
  return {
    registry,
    repository,
    tag: digest !== undefined ? undefined : tag,
    digest,
    name: rest,
    canonical,
  };
}

/**
 * The registry a Docker config key names: scheme and path stripped, Docker Hub's aliases folded
 * to `docker.io`. `https://index.docker.io/v1/` -> `docker.io`; `http://host:5000/v2` -> `host:5000`.
 */
export function normalizeRegistryKey(key: string): string {
  const host = key
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split('/')[0]!
    .toLowerCase();
  if (
    host === 'index.docker.io' ||
    host === 'registry-1.docker.io' ||
    host === 'registry.hub.docker.com' ||
    host === DOCKER_HUB_REGISTRY
  ) {
    return DOCKER_HUB_REGISTRY;
  }
  return host;
}
