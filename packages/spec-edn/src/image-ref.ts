// Image references: splitting `registry/repository:tag@digest` the way the engine does, and what
// makes one invalid. The one parser for the spec checks and for the Docker driver.

/** Docker Hub's registry, as the engine and the Docker config file name it. */
export const DOCKER_HUB_REGISTRY = 'docker.io';

/** An image reference split the way the engine splits it. */
export interface ImageReference {
  /** Registry host (with port), `docker.io` for unqualified names. */
  registry: string;
  /** Repository path inside the registry (`library/nginx` for `nginx`). */
  repository: string;
  /** The tag as written, else `defaultTag` when no digest is given either. */
  tag: string | undefined;
  digest: string | undefined;
  /** The name without tag or digest, as written (`fromImage` for `POST /images/create`). */
  name: string;
  /** `name:tag` or `name@digest` (just `name` when it has neither and there is no default tag). */
  canonical: string;
}

export interface SplitImageOptions {
  /**
   * The tag of a reference written with neither tag nor digest: `'latest'` for what the engine
   * pulls, `undefined` to see that none was written.
   */
  defaultTag: string | undefined;
}

/**
 * Splits an image reference. Pure; never throws (check `imageReferenceProblem` first for a
 * verdict). The first path component is a registry when it contains `.` or `:` or is `localhost`
 * (the engine's rule); anything else is on Docker Hub.
 */
export function splitImageReference(image: string, options: SplitImageOptions): ImageReference {
  const { name: rest, digest, tag: written } = splitAsWritten(image);
  const tag = written === undefined && digest === undefined ? options.defaultTag : written;

  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && isRegistryHost(first);
  const registry = hasRegistry ? first : DOCKER_HUB_REGISTRY;
  let repository = hasRegistry ? rest.slice(slash + 1) : rest;
  if (!hasRegistry && !repository.includes('/')) repository = `library/${repository}`;

  const canonical =
    digest !== undefined ? `${rest}@${digest}` : tag !== undefined ? `${rest}:${tag}` : rest;
  return {
    registry,
    repository,
    tag: digest !== undefined ? undefined : tag,
    digest,
    name: rest,
    canonical,
  };
}

/** `name[:tag][@digest]`, each part as written. */
function splitAsWritten(image: string): { name: string; tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const rest = at >= 0 ? image.slice(0, at) : image;
  const colon = rest.lastIndexOf(':');
  const ref: { name: string; tag?: string; digest?: string } = { name: rest };
  if (colon > rest.lastIndexOf('/')) {
    ref.name = rest.slice(0, colon);
    ref.tag = rest.slice(colon + 1);
  }
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** The engine's rule: a first path component with a dot or a port, or `localhost`, is a host. */
function isRegistryHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

// Repository path components: lowercase, separated by . _ __ or dashes (distribution/reference).
const REPO_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[a-z0-9]+:[a-f0-9]{32,}$/;

/** What is wrong with an image reference, in a few words, or `undefined` when it is valid. */
export function imageReferenceProblem(image: string): string | undefined {
  if (image.trim() === '') return 'the image is empty';
  if (/\s/.test(image)) return 'an image reference cannot contain whitespace';
  const ref = splitAsWritten(image); // a tag beside a digest is checked too
  if (ref.tag !== undefined && !TAG_RE.test(ref.tag)) return `"${ref.tag}" is not a valid tag`;
  if (ref.digest !== undefined && !DIGEST_RE.test(ref.digest)) {
    return `"${ref.digest}" is not a valid digest`;
  }
  const parts = ref.name.split('/');
  if (parts.length > 1 && isRegistryHost(parts[0] ?? '')) parts.shift();
  if (parts.some((p) => !REPO_COMPONENT_RE.test(p))) {
    return 'the repository name must be lowercase letters, digits and separators (. _ -)';
  }
  return undefined;
}
