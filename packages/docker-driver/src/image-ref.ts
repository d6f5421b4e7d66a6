// Image references for the engine: a bare name means `:latest`, and the registry a Docker
// config key names. Splitting itself is spec-edn's `splitImageReference` (one parser for both).
import { DOCKER_HUB_REGISTRY, type ImageReference, splitImageReference } from '@condo/spec-edn';

export { DOCKER_HUB_REGISTRY };
export type { ImageReference };

/** The key Docker Hub credentials are stored under in `config.json` and credential helpers. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/**
 * Splits an image reference the engine's way (`ImageReference`). A reference without tag or
 * digest means `:latest`: pulling a bare name must never ask for every tag.
 */
export function parseImageReference(image: string): ImageReference {
  return splitImageReference(image, { defaultTag: 'latest' });
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
  // `docker.io` itself is already the folded name.
  if (
    host === 'index.docker.io' ||
    host === 'registry-1.docker.io' ||
    host === 'registry.hub.docker.com'
  ) {
    return DOCKER_HUB_REGISTRY;
  }
  return host;
}
