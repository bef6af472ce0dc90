// The ingress agent: process, appliers (file, nginx) and the pure nginx renderer.
export { Agent, type AgentOptions } from './agent.ts';
export {
  AGENT_SETTINGS,
  AGENT_VERSION,
  createApplier,
  runAgent,
  type AgentSettings,
} from './run.ts';
export {
  StateApplier,
  type Applier,
  type ApplyResult,
  type ConfigRef,
  type ReconcileResult,
  type Sink,
} from './applier.ts';
export { ApplyError, type ApplyErrorCode } from './errors.ts';
export { createFileApplier } from './file-applier.ts';
export { NginxSink, createNginxApplier, type NginxApplierOptions } from './nginx-applier.ts';
export { NginxProcess, type NginxEvents } from './nginx-process.ts';
export {
  configFileBase,
  hostFileBase,
  renderConfigUpstreams,
  renderMainConf,
  renderNginxFiles,
  renderServers,
  upstreamName,
} from './nginx-render.ts';
export { StateStore, writeAtomic, type LoadedState } from './state-store.ts';
export { SerialQueue } from './serial.ts';
export { Heartbeat, type HeartbeatOptions } from './heartbeat.ts';
export { assertSafe, configKey, findConflict, validateConfig } from './validate.ts';
