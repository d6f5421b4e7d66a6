// Inspect mapping: the engine's container JSON (inspect, list) as condo's `ContainerDetails` / `ManagedContainer`.
import type Dockerode from 'dockerode';
import type { ContainerDetails, ManagedContainer } from './driver.js';
import { LABEL_INSTANCE, LABEL_SERVICE, LABEL_SPEC_HASH } from './labels.js';

function parseTime(value: string | undefined): number | undefined {
  if (!value || value.startsWith('0001-01-01')) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** One container, from its inspect JSON. */
export function toDetails(info: Dockerode.ContainerInspectInfo): ContainerDetails {
  const test = info.Config.Healthcheck?.Test;
  const hasHealthcheck =
    info.State.Health !== undefined ||
    (Array.isArray(test) && test.length > 0 && test[0] !== 'NONE');
  const raw = info.State.Health?.Status;
  const health =
    raw === 'healthy' || raw === 'unhealthy' || raw === 'starting'
      ? raw
      : hasHealthcheck
        ? 'starting'
        : 'none';
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    imageId: info.Image,
    labels: info.Config.Labels ?? {},
    createdAt: info.Created,
    status: info.State.Status,
    running: info.State.Running,
    exitCode: info.State.ExitCode,
    oomKilled: info.State.OOMKilled,
    health,
    startedAt: parseTime(info.State.StartedAt),
    finishedAt: parseTime(info.State.FinishedAt),
    hasHealthcheck,
    restartPolicy: info.HostConfig.RestartPolicy?.Name ?? '',
    restartCount: info.RestartCount,
  };
}

/** One container, from a `GET /containers/json` entry (`Created` is in seconds). */
export function toManagedContainer(c: Dockerode.ContainerInfo): ManagedContainer {
  return {
    id: c.Id,
    name: (c.Names[0] ?? '').replace(/^\//, ''),
    service: c.Labels[LABEL_SERVICE] ?? '',
    instanceId: c.Labels[LABEL_INSTANCE] ?? '',
    specHash: c.Labels[LABEL_SPEC_HASH] ?? '',
    image: c.Image,
    state: c.State,
    labels: c.Labels,
    createdAt: c.Created * 1000,
  };
}
