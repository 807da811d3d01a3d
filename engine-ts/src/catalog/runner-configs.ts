import { EngineError } from "../errors.js";
import { Subspace, subspacePrefix } from "../storage/keyspace.js";
import type { Storage } from "../storage/storage.js";
import type { NamespaceRecord } from "./records.js";
import { readTupleKey, tupleKey } from "./tuple-key.js";

const CONFIG = subspacePrefix(Subspace.runnerConfig);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Bytes in a runner (pool) name; Rivet's envoy endpoint refuses longer pool names. */
export const MAX_RUNNER_CONFIG_NAME_BYTES = 128;

/** The options every pool kind shares, as Rivet answers them (with its defaults filled in). */
export interface NormalRunnerConfig {
  readonly drain_on_version_upgrade: boolean;
  readonly actor_eviction_delay: number;
  readonly actor_eviction_period: number;
  readonly actor_eviction_rate: number;
}

/** One datacenter's config of a pool, as stored and as `GET /runner-configs` answers it. */
export interface DatacenterRunnerConfig {
  readonly normal: NormalRunnerConfig;
  readonly metadata?: unknown;
  /** The runner protocol version the pool's runners last connected with; null until one did. */
  readonly protocol_version: number | null;
}

/**
 * A `PUT /runner-configs/{name}` body's config for one datacenter, as the API checked it. The
 * options every kind shares sit beside the kind (`{drain_on_version_upgrade, normal: {}}`, as
 * rivetkit sends them); Rivet answers them inside `normal`, so they are taken there too.
 */
export interface DatacenterRunnerConfigInput extends Partial<NormalRunnerConfig> {
  readonly normal?: Partial<NormalRunnerConfig> | undefined;
  readonly serverless?: unknown;
  readonly metadata?: unknown;
}

/** The stored form: one record per namespace and pool, all datacenters in it. */
interface StoredRunnerConfig {
  readonly v: 1;
  readonly datacenters: Readonly<Record<string, DatacenterRunnerConfig>>;
}

/**
 * Runner configs (pools), per namespace, as Rivet's public API keeps them: a pool is declared
 * with `PUT /runner-configs/{name}` before its runners connect (rivetkit's registry does this
 * first, and Rivet's envoy endpoint refuses a pool without one). Only "normal" pools exist
 * here, whose runners connect to the engine themselves; a "serverless" pool, which the engine
 * would have to call at a URL, is refused by name rather than stored and never acted on.
 */
export class RunnerConfigs {
  constructor(
    private readonly storage: Storage,
    /** The one datacenter this engine is; configs for any other are refused, as Rivet does. */
    private readonly datacenter: string,
  ) {}

  /** Creates or replaces a pool's config. */
  upsert(ns: NamespaceRecord, name: string, datacenters: Readonly<Record<string, DatacenterRunnerConfigInput>>): void {
    checkName(name);
    const stored: Record<string, DatacenterRunnerConfig> = {};
    for (const [dc, input] of Object.entries(datacenters)) {
      if (dc !== this.datacenter) {
        throw new EngineError("datacenter.not_found", "The provided datacenter does not exist.", {
          status: 400,
          metadata: { datacenter: dc, datacenters: [this.datacenter] },
        });
      }
      if (input.serverless !== undefined) {
        throw new EngineError(
          "runner_config.serverless_unsupported",
          `Runner config "${name}" is serverless; this engine only runs normal pools, whose runners connect to it themselves.`,
          { status: 400, metadata: { runner_name: name, datacenter: dc } },
        );
      }
      if (input.normal === undefined) {
        throw new EngineError("api.invalid_body", `Runner config "${name}" for datacenter "${dc}" needs "normal" (the pool's kind).`, {
          status: 400,
          metadata: { field: `datacenters.${dc}.normal` },
        });
      }
      const previous = this.get(ns, name)?.datacenters[dc];
      stored[dc] = {
        normal: {
          drain_on_version_upgrade: input.normal.drain_on_version_upgrade ?? input.drain_on_version_upgrade ?? true,
          actor_eviction_delay: input.normal.actor_eviction_delay ?? input.actor_eviction_delay ?? 0,
          actor_eviction_period: input.normal.actor_eviction_period ?? input.actor_eviction_period ?? 0,
          actor_eviction_rate: input.normal.actor_eviction_rate ?? input.actor_eviction_rate ?? 1,
        },
        ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
        protocol_version: previous?.protocol_version ?? null,
      };
    }
    const record: StoredRunnerConfig = { v: 1, datacenters: stored };
    this.storage.write([{ op: "put", key: tupleKey(CONFIG, [ns.namespace_id, name]), value: encoder.encode(JSON.stringify(record)) }]);
  }

  /** Deletes a pool's config; deleting one that does not exist is not an error (as in Rivet). */
  delete(ns: NamespaceRecord, name: string): void {
    this.storage.write([{ op: "delete", key: tupleKey(CONFIG, [ns.namespace_id, name]) }]);
  }

  /** One pool's config, or undefined. */
  get(ns: NamespaceRecord, name: string): { readonly datacenters: Readonly<Record<string, DatacenterRunnerConfig>> } | undefined {
    const bytes = this.storage.get(tupleKey(CONFIG, [ns.namespace_id, name]));
    return bytes === undefined ? undefined : decode(bytes);
  }

  /** Whether the namespace has a config for this pool. */
  has(namespaceId: string, name: string): boolean {
    return this.storage.get(tupleKey(CONFIG, [namespaceId, name])) !== undefined;
  }

  /** Every pool's config in the namespace by name, sorted; only `names` when given. */
  list(ns: NamespaceRecord, names?: readonly string[]): Record<string, { readonly datacenters: Readonly<Record<string, DatacenterRunnerConfig>> }> {
    const out: Record<string, { readonly datacenters: Readonly<Record<string, DatacenterRunnerConfig>> }> = {};
    for (const entry of this.storage.scan({ prefix: tupleKey(CONFIG, [ns.namespace_id]) })) {
      const name = readTupleKey(entry.key, CONFIG.length)[1];
      if (name === undefined || (names !== undefined && !names.includes(name))) continue;
      out[name] = decode(entry.value);
    }
    return out;
  }
}

function checkName(name: string): void {
  const bytes = encoder.encode(name).byteLength;
  if (bytes === 0 || bytes > MAX_RUNNER_CONFIG_NAME_BYTES) {
    throw new EngineError(
      "runner_config.invalid_name",
      `Runner config name must be 1 to ${MAX_RUNNER_CONFIG_NAME_BYTES} bytes; it is ${bytes}.`,
      { status: 400, metadata: { bytes, limit: MAX_RUNNER_CONFIG_NAME_BYTES } },
    );
  }
}

/** The stored record without its format tag, as the API answers it. */
function decode(bytes: Uint8Array): { readonly datacenters: Readonly<Record<string, DatacenterRunnerConfig>> } {
  const value = JSON.parse(decoder.decode(bytes)) as StoredRunnerConfig;
  if (value.v !== 1) throw new Error(`stored runner config has unknown format version ${String(value.v)}`);
  return { datacenters: value.datacenters };
}
