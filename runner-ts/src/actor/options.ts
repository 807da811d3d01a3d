/**
 * An actor definition's options with every default filled in, computed once per definition
 * (not per actor instance) so that a live actor holds only a reference to them.
 */
import type { ActorOptions } from "./definition.js";

/** Every option with its value. */
export interface ResolvedOptions {
  readonly sleepTimeout: number;
  readonly actionTimeout: number;
  readonly sleepGracePeriod: number;
  readonly stateSaveInterval: number;
  readonly durability: "strict" | "interval";
  readonly createVarsTimeout: number;
  readonly createConnStateTimeout: number;
  readonly onBeforeConnectTimeout: number;
  readonly onConnectTimeout: number;
  readonly onMigrateTimeout: number;
  readonly lifecycleHookTimeout: number;
  readonly connectionLivenessInterval: number;
  readonly connectionLivenessTimeout: number;
  readonly maxQueueSize: number;
  readonly maxQueueMessageSize: number;
  readonly maxSchedules: number;
  readonly maxStateBytes: number;
  readonly canHibernateWebSocket: boolean | ((request: Request) => boolean);
  readonly noSleep: boolean;
  readonly maxIncomingMessageSize: number;
  readonly maxOutgoingMessageSize: number;
  readonly acceptUndeclaredQueues: boolean;
}

/**
 * The default state size limit: the CBOR state must fit in one KV value (the engine's limit is
 * 128 KiB) together with the record's other fields, so the default leaves 4 KiB for them.
 */
export const DEFAULT_MAX_STATE_BYTES = 124 * 1024;

/** Rivet's defaults (`rivet-features.md` §4), plus ours for what Rivet leaves open. */
export const DEFAULT_OPTIONS: ResolvedOptions = {
  sleepTimeout: 30_000,
  actionTimeout: 60_000,
  sleepGracePeriod: 15_000,
  stateSaveInterval: 1_000,
  durability: "strict",
  createVarsTimeout: 5_000,
  createConnStateTimeout: 5_000,
  onBeforeConnectTimeout: 5_000,
  onConnectTimeout: 5_000,
  onMigrateTimeout: 30_000,
  lifecycleHookTimeout: 30_000,
  connectionLivenessInterval: 5_000,
  connectionLivenessTimeout: 2_500,
  maxQueueSize: 1_000,
  maxQueueMessageSize: 65_536,
  maxSchedules: 1_000,
  maxStateBytes: DEFAULT_MAX_STATE_BYTES,
  canHibernateWebSocket: false,
  noSleep: false,
  maxIncomingMessageSize: 65_536,
  maxOutgoingMessageSize: 1_048_576,
  acceptUndeclaredQueues: false,
};

/** Fills in defaults; rejects values that cannot work (negative or non-numeric durations). */
export function resolveOptions(options: ActorOptions | undefined): ResolvedOptions {
  const resolved = { ...DEFAULT_OPTIONS } as Record<string, unknown>;
  for (const [name, value] of Object.entries(options ?? {})) {
    if (value === undefined) continue;
    const fallback = (DEFAULT_OPTIONS as unknown as Record<string, unknown>)[name];
    if (typeof fallback === "number" && (typeof value !== "number" || !(value >= 0))) {
      throw new TypeError(`actor option ${name} must be a non-negative number`);
    }
    resolved[name] = value;
  }
  if (resolved.durability !== "strict" && resolved.durability !== "interval") {
    throw new TypeError('actor option durability must be "strict" or "interval"');
  }
  return resolved as unknown as ResolvedOptions;
}
