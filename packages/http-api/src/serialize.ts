import type {
  ContainerSnapshot,
  ExposedEntry,
  LastErrorSnapshot,
  ServiceSnapshot,
} from '@condo/types';
import { CONTAINER_HEALTHS } from './types.js';
import type {
  ContainerHealth,
  ApiContainerView,
  GlobalEntry,
  LastErrorView,
  ApiServiceView,
  TimeInput,
} from './types.js';

// The wire forms are @condo/types' (ISO 8601 times), under the names this package has exported.
/** A container as `/v1/state` shows it: times are ISO 8601, health null while unknown. */
export type ContainerJson = ContainerSnapshot;
export type LastErrorJson = LastErrorSnapshot;
/** One `/v1/state` entry. */
export type ServiceJson = ServiceSnapshot;
/** One `/v1/global_state` entry. */
export type GlobalEntryJson = ExposedEntry;

/** ISO 8601 for epoch ms or a Date; strings are taken to be ISO already. */
export function toIso(time: TimeInput): string {
  if (typeof time === 'string') return time;
  return (typeof time === 'number' ? new Date(time) : time).toISOString();
}

function toIsoOrNull(time: TimeInput | null | undefined): string | null {
  return time === null || time === undefined ? null : toIso(time);
}

function containerJson(c: ApiContainerView | null): ContainerJson | null {
  if (!c) return null;
  return {
    id: c.id,
    name: c.name,
    image: c.image,
    specHash: c.specHash,
    createdAt: toIso(c.createdAt),
    stableAt: toIsoOrNull(c.stableAt),
    health: CONTAINER_HEALTHS.includes(c.health as ContainerHealth) ? c.health! : null,
  };
}

function lastErrorJson(e: LastErrorView | null): LastErrorJson | null {
  if (!e) return null;
  const json: LastErrorJson = { code: e.code, message: e.message, at: toIso(e.at) };
  if (e.file !== undefined) json.file = e.file;
  if (e.line !== undefined) json.line = e.line;
  if (e.column !== undefined) json.column = e.column;
  return json;
}

/** The wire form of a service view (pure). */
export function serviceJson(view: ApiServiceView): ServiceJson {
  return {
    state: view.state,
    current: containerJson(view.current),
    next: containerJson(view.next),
    pendingSpec: view.pendingSpec,
    retryAt: toIsoOrNull(view.retryAt),
    lastError: lastErrorJson(view.lastError),
    file: view.file ?? null,
    rejected: view.rejected ?? false,
    attempts: view.attempts ?? 0,
  };
}

/**
 * The wire form of the whole state. `Object.fromEntries` defines own properties, so a service
 * named `__proto__` is an ordinary key.
 */
export function stateJson(state: ReadonlyMap<string, ApiServiceView>): Record<string, ServiceJson> {
  const names = [...state.keys()].sort();
  return Object.fromEntries(names.map((name) => [name, serviceJson(state.get(name)!)]));
}

export function globalEntryJson(entry: GlobalEntry): GlobalEntryJson {
  return {
    host: entry.host,
    instance: entry.instance,
    service: entry.service,
    snapshot: serviceJson(entry.snapshot),
    updatedAt: toIso(entry.updatedAt),
  };
}
