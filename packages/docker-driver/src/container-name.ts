// Container names: the generated `<service>_<random>` ones, and who holds a name already in use.
import { randomInt } from 'node:crypto';
import type { ContainerDetails } from './driver.js';
import { LABEL_INSTANCE, LABEL_MANAGED, LABEL_SERVICE } from './labels.js';

const NAME_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `<service>_<11 random alphanumerics>`. */
export function containerName(service: string): string {
  let suffix = '';
  for (let i = 0; i < 11; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return `${service}_${suffix}`;
}

/** Whether a container carries the labels of this instance and service. */
export function isOwnedBy(
  c: ContainerDetails,
  own: { service: string; instanceId: string },
): boolean {
  return c.labels[LABEL_INSTANCE] === own.instanceId && c.labels[LABEL_SERVICE] === own.service;
}

/** Who owns a container holding a name, for `ContainerNameConflictError`. */
export function ownerOf(c: ContainerDetails, ours: boolean): string {
  if (ours) return `a ${c.running ? 'running ' : ''}container of this service`;
  return c.labels[LABEL_MANAGED] === 'true'
    ? `condo instance ${c.labels[LABEL_INSTANCE] ?? '?'}, service ${c.labels[LABEL_SERVICE] ?? '?'}`
    : 'not a condo container of this instance';
}
