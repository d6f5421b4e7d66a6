/**
 * @condo/docker-driver: everything condo asks of Docker behind one `DockerDriver` interface:
 * pull with registry auth, create/start/stop/remove, health and event stream, listing by label.
 */
export {
  MAX_API_VERSION,
  MIN_API_VERSION,
  connectDockerDriver,
  createDockerodeDriver,
  negotiateApiVersion,
} from './connect.js';
export { containerName } from './container-name.js';
export type { ConnectOptions } from './connect.js';
export type { DriverOptions } from './dockerode-driver.js';
export type {
  ContainerDetails,
  CreateContainerOptions,
  CreatedContainer,
  DockerDriver,
  ManagedContainer,
  ManagedFilter,
  PullOptions,
} from './driver.js';
export {
  ContainerNameConflictError,
  ContainerNotFoundError,
  ContainerSpecError,
  CredentialHelperError,
  DockerApiVersionError,
  DockerCancelledError,
  DockerClosedError,
  DockerConfigError,
  DockerEndpointError,
  DockerError,
  DockerErrorCode,
  DockerRequestError,
  DockerTimeoutError,
  DockerUnavailableError,
  ImageMissingError,
  ImagePullError,
} from './errors.js';
export type { DockerErrorOptions, PullFailureReason } from './errors.js';
export {
  LABEL_ATTEMPT,
  LABEL_INSTANCE,
  LABEL_MANAGED,
  LABEL_SERVICE,
  LABEL_SPEC_HASH,
  condoLabels,
  instanceLabelFilter,
  mergeLabels,
} from './labels.js';
export type { CondoLabelValues } from './labels.js';
export { DEFAULT_DOCKER_SOCKET, dockerodeOptions, resolveDockerEndpoint } from './endpoint.js';
export type { DockerEndpoint, DockerTls, ResolveEndpointInput } from './endpoint.js';
export {
  dockerConfigPath,
  loadDockerConfig,
  parseDockerConfig,
  resolveRegistryAuth,
  runCredentialHelper,
} from './auth.js';
export type {
  CredentialHelperRunner,
  DockerAuthConfig,
  ParsedDockerConfig,
  RegistryAuth,
} from './auth.js';
export {
  DOCKER_HUB_AUTH_KEY,
  DOCKER_HUB_REGISTRY,
  normalizeRegistryKey,
  parseImageReference,
} from './image-ref.js';
export type { ImageReference } from './image-ref.js';
export { PULL_POLICIES, classifyPullFailure } from './pull.js';
export type { PullOutcome, PullPolicy, PullProgressEvent } from './pull.js';
export { EVENT_FILTERS, mapDockerEvent } from './events.js';
export type {
  ContainerEvent,
  DriverEvent,
  DriverEventListener,
  HealthStatus,
  StreamEvent,
} from './events.js';
export { judgeContainer } from './watch.js';
export type { ContainerState, Verdict, WatchOptions, WatchOutcome } from './watch.js';
export { systemClock } from './limiter.js';
export type { Clock } from './limiter.js';
