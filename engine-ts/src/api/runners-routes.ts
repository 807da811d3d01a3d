import type { EnvoyConnection } from "../envoys/connection.js";
import type { RunnerConnection } from "../runners/connection.js";

/** A connected runner as `GET /runners` lists it (Rivet's snake_case fields). */
export interface RunnerSummary {
  readonly runner_id: string;
  readonly namespace_id: string;
  readonly datacenter: string;
  readonly name: string;
  readonly key: string;
  readonly version: number;
  readonly total_slots: number;
  readonly remaining_slots: number;
  readonly protocol_version: number;
  readonly create_ts: number;
  readonly last_connected_ts: number;
  readonly last_ping_ts: number;
  readonly drain_ts: number | null;
  readonly stop_ts: number | null;
  readonly metadata: unknown;
}

/** How the API learns about runners: the live connections and how many actors each hosts. */
export interface RunnerDirectory {
  connections(): readonly RunnerConnection[];
  /** Actors currently placed on a runner; 0 when the engine does not place actors yet. */
  actorCount?(runnerId: string): number;
}

/** Summarises one connection for the API. */
export function summarizeRunner(c: RunnerConnection, datacenter: string, actorCount: number): RunnerSummary {
  const metadata = parseJsonOr(c.metadata);
  return {
    runner_id: c.runnerId,
    namespace_id: c.namespace.id,
    datacenter,
    name: c.name,
    key: c.runnerKey,
    version: c.runnerVersion,
    total_slots: c.totalSlots,
    remaining_slots: Math.max(0, c.totalSlots - actorCount),
    protocol_version: c.protocolVersion,
    create_ts: c.connectedAt,
    last_connected_ts: c.connectedAt,
    last_ping_ts: c.lastPongAt,
    drain_ts: c.draining ? c.lastPongAt : null,
    stop_ts: null,
    metadata,
  };
}

/** How the API learns about envoys: the live connections. */
export interface EnvoyDirectoryView {
  connections(): readonly EnvoyConnection[];
}

/** Summarises one envoy connection for `GET /envoys`, in the fields Rivet's engine answers. */
export function summarizeEnvoy(c: EnvoyConnection, datacenter: string) {
  return {
    envoy_key: c.envoyKey,
    namespace_id: c.namespace.id,
    datacenter,
    pool_name: c.poolName,
    version: c.version,
    slots: 0,
    create_ts: c.connectedAt,
    stop_ts: null,
    last_ping_ts: c.lastPongAt,
    last_connected_ts: c.connectedAt,
    last_rtt: c.rttMs,
    metadata: parseJsonOr(c.metadata),
  };
}

/** JSON text parsed, the text itself when it is not JSON, or null. */
function parseJsonOr(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
