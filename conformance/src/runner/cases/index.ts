/** Every case of the runner suite, in the order they run. */
import type { RunnerCase } from "../context.js";
import { commandCases } from "./commands.js";
import { handshakeCases } from "./handshake.js";
import { kvCases } from "./kv.js";
import { lifecycleCases } from "./lifecycle.js";
import { malformedCases } from "./malformed.js";
import { modelCases } from "./model.js";
import { tunnelHttpCases } from "./tunnel-http.js";
import { websocketCases } from "./websocket.js";

/**
 * The cases, grouped by area. Cases that need a fresh runner process (handshake) come first so
 * that they share the first one; cases that end the process (eviction, drain) come last.
 */
export function runnerCases(): RunnerCase[] {
  const all = [...handshakeCases, ...lifecycleCases, ...kvCases, ...tunnelHttpCases, ...websocketCases, ...malformedCases, ...modelCases, ...commandCases];
  return [...all.filter((c) => c.endsProcess !== true), ...all.filter((c) => c.endsProcess === true)];
}
