/**
 * The labels condo puts on every container it creates. Adoption and cleanup
 * go by these labels, never by name alone: a daemon only ever touches containers carrying its own
 * instance id.
 */
export const LABEL_MANAGED = 'condo.managed';
export const LABEL_SERVICE = 'condo.service';
export const LABEL_INSTANCE = 'condo.instance';
export const LABEL_SPEC_HASH = 'condo.spec-hash';
/**
 * The create attempt a container comes from (the state machine's effect id): with the service
 * and instance labels it finds the container of a create that failed or timed out but happened.
 */
export const LABEL_ATTEMPT = 'condo.attempt';

/** The labels of one condo container. */
export interface CondoLabelValues {
  service: string;
  instanceId: string;
  specHash: string;
  /** The create attempt (`condo.attempt`), when there is one. */
  attempt?: string;
}

export function condoLabels({
  service,
  instanceId,
  specHash,
  attempt,
}: CondoLabelValues): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_SERVICE]: service,
    [LABEL_INSTANCE]: instanceId,
    [LABEL_SPEC_HASH]: specHash,
    ...(attempt === undefined ? {} : { [LABEL_ATTEMPT]: attempt }),
  };
}

/**
 * The final label set of a container: the spec's own `Labels`, then the caller's extra labels,
 * then condo's. Condo's labels are applied last so that neither a spec file nor a caller can
 * forge another instance's ownership. The spec's values pass through as they are (the engine
 * validates them).
 */
export function mergeLabels(
  specLabels: unknown,
  extra: Record<string, string> | undefined,
  condo: Record<string, string>,
): Record<string, unknown> {
  const own =
    specLabels !== null && typeof specLabels === 'object' && !Array.isArray(specLabels)
      ? (specLabels as Record<string, unknown>)
      : {};
  return { ...own, ...extra, ...condo };
}

/** Docker `label` filters selecting the containers of one condo instance. */
export function instanceLabelFilter(instanceId: string): string[] {
  return [`${LABEL_MANAGED}=true`, `${LABEL_INSTANCE}=${instanceId}`];
}
