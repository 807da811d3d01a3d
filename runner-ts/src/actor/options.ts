/**
 * An actor definition's options with every default filled in, computed once per definition
 * (not per actor instance) so that a live actor holds only a reference to them.
 */
import type { ActorOptions } from "./definition.js";

/**
 * Every {@link ActorOptions} field with its value: the type of {@link DEFAULT_OPTIONS}. Each
 * field means what the option of the same name means; durations are in milliseconds and sizes in bytes.
 */
export interface ResolvedOptions {
  /** Idle time before the actor sleeps (ms); 30,000 by default. */
  readonly sleepTimeout: number;
  /** Longest an action may run before failing with `actor.action_timed_out` (ms); 60,000 by default. */
  readonly actionTimeout: number;
  /** Budget of a whole sleep or destroy shutdown (ms); 15,000 by default. */
  readonly sleepGracePeriod: number;
  /** Background state save delay, and the save throttle under `durability: "interval"` (ms); 1,000 by default. */
  readonly stateSaveInterval: number;
  /** Whether replies wait for state to be durable (`"strict"`, the default) or not (`"interval"`, Rivet's behaviour). */
  readonly durability: "strict" | "interval";
  /** Timeout of `createVars` (ms); 5,000 by default. */
  readonly createVarsTimeout: number;
  /** Timeout of `createConnState` (ms); 5,000 by default. */
  readonly createConnStateTimeout: number;
  /** Timeout of `onBeforeConnect` (ms); 5,000 by default. */
  readonly onBeforeConnectTimeout: number;
  /** Timeout of `onConnect` (ms); 5,000 by default. */
  readonly onConnectTimeout: number;
  /** rivetkit's `onMigrate` timeout (ms), 30,000 by default; accepted for porting and without effect here. */
  readonly onMigrateTimeout: number;
  /** Timeout of `createState`, `onCreate` and `onWake` (ms); 30,000 by default. */
  readonly lifecycleHookTimeout: number;
  /** Period of the check that drops connections whose socket closed unseen (ms); 5,000 by default. */
  readonly connectionLivenessInterval: number;
  /** rivetkit's liveness answer timeout (ms), 2,500 by default; accepted for porting and not used here. */
  readonly connectionLivenessTimeout: number;
  /** Most messages the queue holds; 1,000 by default. */
  readonly maxQueueSize: number;
  /** Largest queue message body (bytes); 65,536 by default. */
  readonly maxQueueMessageSize: number;
  /** Most pending schedules; 1,000 by default. */
  readonly maxSchedules: number;
  /** Largest CBOR-encoded state (bytes); {@link DEFAULT_MAX_STATE_BYTES} by default. */
  readonly maxStateBytes: number;
  /** Whether raw WebSockets may hibernate, or a function of their upgrade request that decides; false by default. */
  readonly canHibernateWebSocket: boolean | ((request: Request) => boolean);
  /** Never sleep when idle; false by default. */
  readonly noSleep: boolean;
  /** Largest client message accepted (bytes); 65,536 by default. */
  readonly maxIncomingMessageSize: number;
  /** Largest message sent to a client (bytes); 1,048,576 by default. */
  readonly maxOutgoingMessageSize: number;
  /** Whether queue sends to undeclared names are accepted; false by default. */
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
