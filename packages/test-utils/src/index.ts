export {
  CHROMIUM_LAUNCH,
  TestEnvMissingError,
  controlTestEnv,
  findRepoRoot,
  loadTestEnv,
  testEnvFile,
} from './env.js';
export type { TestEnv, TestEnvComponent } from './env.js';
export { TEST_LABEL, TEST_RUN_LABEL, newTestRunId, testLabels } from './labels.js';
export {
  dockerTestRun,
  pullImage,
  removeTestContainers,
  testDocker,
  waitForHealth,
} from './docker.js';
export type { DockerTestRun } from './docker.js';
export { makeSpecDir } from './spec-dir.js';
export type { SpecDir } from './spec-dir.js';
export { Cleanups } from './cleanups.js';
export { runContainer } from './run-container.js';
export type { ContainerRunner } from './run-container.js';
export { SimulatedClock } from './clock.js';
export type { Clock } from './clock.js';
export { ConsulEmulator, parseConsulDuration, startConsulEmulator } from './consul-emulator.js';
export type { ConsulEmulatorOptions } from './consul-emulator.js';
export { startPrivateEtcd } from './private-etcd.js';
export type { PrivateEtcd } from './private-etcd.js';
export { FreezableClock, eventually, exporterContract, testSnapshot } from './exporter-contract.js';
export type {
  ContractExporter,
  ContractExporterOptions,
  ExporterHarness,
  JestApi,
} from './exporter-contract.js';
export { TEST_OUTPUT_DIR_ENV, showInTestOutput } from './test-output.js';
export type { TestOutputRecord } from './test-output.js';
