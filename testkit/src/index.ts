/**
 * Test support shared by every package's end-to-end tests: real engine processes (ours and
 * Rivet's binary) on random loopback ports, child-process bookkeeping, and JSON-line logs.
 */
export { EngineProcess, repoRoot, type CreateActorOptions, type EngineLine, type EngineProcessOptions } from "./engine-process.js";
export { JsonLines, type WaitOptions } from "./json-lines.js";
export { freePort, spawnTracked, stopProcess, removeOnExit, forgetTempDir } from "./processes.js";
export { RivetEngineProcess, rivetEngineEnv, rivetEnginePath, rivetEngineVersion } from "./rivet-engine.js";
export { startEngineContainer, type EngineContainerOptions, type StartedEngineContainer } from "./engine-container.js";
