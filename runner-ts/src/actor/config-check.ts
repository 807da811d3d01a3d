/**
 * Definition-time checks of `actor({...})`: a misspelt key (`actoins`, `options.sleepTimout`)
 * would otherwise be ignored without a word and the actor would run without what it meant to
 * configure. Unknown keys fail at once with `config.unknown_key` and the closest known name;
 * keys rivetkit knows but this runtime does not implement fail with `config.unsupported_key`,
 * since silently skipping them (a migration hook, a database) would be worse than refusing.
 */
import { ActorError } from "./errors.js";

/** The top-level keys `actor()` implements. */
const CONFIG_KEYS = [
  "state",
  "createState",
  "vars",
  "createVars",
  "connState",
  "createConnState",
  "events",
  "queues",
  "onCreate",
  "onWake",
  "onSleep",
  "onDestroy",
  "onStateChange",
  "onBeforeConnect",
  "onConnect",
  "onDisconnect",
  "onBeforeActionResponse",
  "onRequest",
  "onWebSocket",
  "run",
  "actions",
  "actionInputSchemas",
  "options",
] as const;

/** Top-level keys of rivetkit 2.3 that this runtime does not implement, with what to do instead. */
const UNSUPPORTED_CONFIG_KEYS: Readonly<Record<string, string>> = {
  onMigrate: "run migrations in onWake (it runs on every start) until onMigrate is supported",
  db: "SQLite (c.db) is not available yet; use c.kv or state",
  connParamsSchema: "validate connection params in onBeforeConnect",
  inspector: "the inspector is not available yet",
};

/** The options this runtime implements. */
const OPTION_KEYS = [
  "sleepTimeout",
  "actionTimeout",
  "sleepGracePeriod",
  "stateSaveInterval",
  "durability",
  "createVarsTimeout",
  "createConnStateTimeout",
  "onBeforeConnectTimeout",
  "onConnectTimeout",
  "onMigrateTimeout",
  "lifecycleHookTimeout",
  "connectionLivenessInterval",
  "connectionLivenessTimeout",
  "maxQueueSize",
  "maxQueueMessageSize",
  "maxSchedules",
  "maxStateBytes",
  "maxIncomingMessageSize",
  "maxOutgoingMessageSize",
  "acceptUndeclaredQueues",
  "canHibernateWebSocket",
  "noSleep",
] as const;

/**
 * rivetkit 2.3 options accepted and ignored: display hints for its inspector, and options it
 * deprecated itself (they change nothing there either), so ported code keeps working.
 */
const IGNORED_OPTION_KEYS = new Set([
  "name",
  "icon",
  "enableActorRuntimeSocket",
  "onDestroyTimeout",
  "waitUntilTimeout",
  "preloadMaxWorkflowBytes",
  "preloadMaxConnectionsBytes",
]);

/** Throws `config.unknown_key` / `config.unsupported_key` for a key `actor()` would not use. */
export function checkActorConfig(config: object): void {
  for (const key of Object.keys(config)) {
    if ((CONFIG_KEYS as readonly string[]).includes(key)) continue;
    if (Object.hasOwn(UNSUPPORTED_CONFIG_KEYS, key)) {
      throw new ActorError("config.unsupported_key", `actor(): \`${key}\` is not supported by this runtime: ${UNSUPPORTED_CONFIG_KEYS[key]}`, {
        metadata: { key },
      });
    }
    throw unknownKey("actor()", key, CONFIG_KEYS);
  }
  const options = (config as { options?: unknown }).options;
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new ActorError("config.invalid_value", "actor(): `options` must be an object");
  }
  for (const key of Object.keys(options)) {
    if ((OPTION_KEYS as readonly string[]).includes(key) || IGNORED_OPTION_KEYS.has(key)) continue;
    throw unknownKey("actor(): options", key, OPTION_KEYS);
  }
}

function unknownKey(where: string, key: string, known: readonly string[]): ActorError {
  const suggestion = closest(key, known);
  const hint = suggestion === undefined ? `; known keys: ${known.join(", ")}` : ` (did you mean \`${suggestion}\`?)`;
  return new ActorError("config.unknown_key", `${where}: unknown key \`${key}\`${hint}`, {
    metadata: { key, ...(suggestion === undefined ? {} : { suggestion }) },
  });
}

/** The known name nearest to `key` by edit distance (case-insensitive), if it is near enough to be a typo. */
function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

/** Damerau-Levenshtein distance (optimal string alignment), so a swap of two letters counts once. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
