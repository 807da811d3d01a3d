/**
 * `c.kv`: the user's own key-value space inside the actor's KV, under prefix [4] so that it can
 * never touch the runtime's records. Keys and values are UTF-8 text unless `type`/`keyType`
 * says `binary` (Uint8Array) or `arrayBuffer`. Calls go straight to the engine (they are not
 * part of the coalesced state batch) and resolve once the engine answered.
 */
import type { RunnerKv } from "../runner/types.js";
import type { ActorKv, KvInput, ActorKvListOptions, ActorKvOptions, KvValueType } from "./definition.js";
import { PREFIX_USER_KV, concatKey, prefixEnd } from "./keys.js";

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function toBytes(input: KvInput): Uint8Array {
  if (typeof input === "string") return utf8.encode(input);
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw new TypeError("c.kv: keys and values must be strings, Uint8Arrays or ArrayBuffers");
}

function fromBytes(bytes: Uint8Array, type: KvValueType | undefined): any {
  if (type === "binary") return bytes;
  if (type === "arrayBuffer") return bytes.slice().buffer;
  return utf8Decoder.decode(bytes);
}

/** `c.kv` of one actor. */
export class UserKv implements ActorKv {
  constructor(
    private readonly kv: RunnerKv,
    private readonly actorId: string,
  ) {}

  private key(input: KvInput): Uint8Array {
    return concatKey(PREFIX_USER_KV, toBytes(input));
  }

  async get(key: KvInput, options?: ActorKvOptions<any>): Promise<any> {
    const [value] = await this.kv.get(this.actorId, [this.key(key)]);
    return value == null ? null : fromBytes(value, options?.type);
  }

  async put(key: KvInput, value: KvInput): Promise<void> {
    await this.kv.put(this.actorId, [[this.key(key), toBytes(value)]]);
  }

  async delete(key: KvInput): Promise<void> {
    await this.kv.delete(this.actorId, [this.key(key)]);
  }

  list(prefix?: KvInput, options?: ActorKvListOptions<any, any>): Promise<any> {
    return this.listPrefix(prefix ?? new Uint8Array(0), options);
  }

  async listPrefix(prefix: KvInput, options?: ActorKvListOptions<any, any>): Promise<any> {
    const entries = await this.kv.list(this.actorId, { kind: "prefix", prefix: this.key(prefix) }, listOptions(options));
    return this.decodeEntries(entries, options);
  }

  async listRange(start: KvInput, end: KvInput, options?: ActorKvListOptions<any, any>): Promise<any> {
    const entries = await this.kv.list(this.actorId, { kind: "range", start: this.key(start), end: this.key(end), exclusive: true }, listOptions(options));
    return this.decodeEntries(entries, options);
  }

  async deleteRange(start: KvInput, end: KvInput): Promise<void> {
    await this.kv.deleteRange(this.actorId, this.key(start), this.key(end));
  }

  async batchGet(keys: readonly KvInput[], options?: ActorKvOptions<any>): Promise<any> {
    if (keys.length === 0) return [];
    const values = await this.kv.get(
      this.actorId,
      keys.map((k) => this.key(k)),
    );
    return values.map((v) => (v == null ? null : fromBytes(v, options?.type)));
  }

  async batchPut(entries: readonly (readonly [KvInput, KvInput])[]): Promise<void> {
    if (entries.length === 0) return;
    await this.kv.put(
      this.actorId,
      entries.map(([k, v]) => [this.key(k), toBytes(v)] as const),
    );
  }

  async batchDelete(keys: readonly KvInput[]): Promise<void> {
    if (keys.length === 0) return;
    await this.kv.delete(
      this.actorId,
      keys.map((k) => this.key(k)),
    );
  }

  /** Deletes every user entry (used by nothing yet; destroy drops the whole actor). */
  async clear(): Promise<void> {
    await this.kv.deleteRange(this.actorId, PREFIX_USER_KV, prefixEnd(PREFIX_USER_KV)!);
  }

  private decodeEntries(entries: [Uint8Array, Uint8Array][], options: ActorKvListOptions<any, any> | undefined): [unknown, unknown][] {
    return entries.map(([k, v]) => [fromBytes(k.subarray(PREFIX_USER_KV.length), options?.keyType), fromBytes(v, options?.type)]);
  }
}

function listOptions(options: ActorKvListOptions<any, any> | undefined): { reverse?: boolean; limit?: number } | undefined {
  if (options?.reverse === undefined && options?.limit === undefined) return undefined;
  return { reverse: options.reverse, limit: options.limit };
}
