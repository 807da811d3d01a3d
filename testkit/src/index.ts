/**
 * Test support shared by every package's end-to-end tests: real engine processes (ours and
 * Rivet's binary) on random loopback ports, child-process bookkeeping, JSON-line logs, a
 * scripted runner peer, and waiting for conditions.
 */
export { EngineProcess, repoRoot, type CreateActorOptions, type EngineLine, type EngineProcessOptions } from "./engine-process.js";
export { JsonLines, type WaitOptions } from "./json-lines.js";
export { Changes, eventually, within, type EventuallyOptions, type NotYet } from "./eventually.js";
export { withSkips, type SkipGroup, type SkippingRegistrar, type TestRegistrar } from "./skips.js";
export { ScriptedEnvoy, type EnvoyClose, type ScriptedEnvoyOptions, type ScriptedEnvoyQuery, type ToEnvoyVal } from "./scripted-envoy.js";
export { RUNNING, ScriptedRunner, stoppedEvent, type Checkpoint, type ScriptedRunnerOptions, type ToClientVal, type TunnelVal } from "./scripted-runner.js";
export { freePort, killProcess, retry, spawnTracked, stopProcess, removeOnExit, forgetTempDir } from "./processes.js";
export { RivetEngineProcess, rivetEngineEnv, rivetEnginePath, rivetEngineVersion } from "./rivet-engine.js";
export { startEngineContainer, type EngineContainerOptions, type StartedEngineContainer } from "./engine-container.js";
