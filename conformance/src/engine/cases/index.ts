/**
 * Every case of the engine suite, in the order they run: the API first, then gateway traffic,
 * KV, and the lifecycle cases last, because the SIGKILL cases replace the runner.
 */
import type { EngineCase } from "../context.js";
import { apiCases } from "./api.js";
import { gatewayCases } from "./gateway.js";
import { kvCases } from "./kv.js";
import { lifecycleCases } from "./lifecycle.js";

/** The suite's cases. */
export function engineCases(): EngineCase[] {
  return [...apiCases, ...gatewayCases, ...kvCases, ...lifecycleCases];
}
