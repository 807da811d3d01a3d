/**
 * The harness's KV store: the model the runner's KV requests are answered from, with the
 * engine's semantics (`rivet-protocol.md` §1.6): keys ordered as raw bytes, a range list
 * includes its end unless `exclusive`, `deleteRange` is half-open, `limit` defaults to 16384,
 * and a get answers only the keys that exist (in key order, not request order, so a runner
 * that matches answers by position instead of by key is caught).
 */
import type { runner } from "@actorwire/protocol";

type KvRequestData = runner.v7.KvRequestData;
type KvResponseData = runner.v7.KvResponseData;

/** Byte-wise comparison of two keys. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function toBytes(buffer: ArrayBuffer | Uint8Array): Uint8Array {
  return buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
}

function toBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const METADATA_VERSION = toBuffer(new TextEncoder().encode("actorwire-conformance"));
const DEFAULT_LIST_LIMIT = 16384;

/** The engine's KV limits (`rivet-protocol.md` §1.6); a key is measured tuple-encoded. */
export const KV_LIMITS = { maxKeys: 128, maxKeySize: 2048, maxValueSize: 128 * 1024, maxPutPayload: 976 * 1024 } as const;

/** A key's size as the engine measures it: FoundationDB tuple bytes (prefix, 00 escaped as 00 ff, terminator). */
export function measuredKeySize(key: Uint8Array): number {
  let zeros = 0;
  for (const b of key) if (b === 0) zeros++;
  return key.length + zeros + 2;
}

/** What the engine would refuse about a request, or undefined. */
export function limitProblem(data: KvRequestData): string | undefined {
  const keys = data.tag === "KvGetRequest" || data.tag === "KvPutRequest" || data.tag === "KvDeleteRequest" ? data.val.keys.map(toBytes) : [];
  if (keys.length > KV_LIMITS.maxKeys) return `a maximum of ${KV_LIMITS.maxKeys} keys is allowed`;
  for (const key of keys) if (measuredKeySize(key) > KV_LIMITS.maxKeySize) return `key is too long (max ${KV_LIMITS.maxKeySize} bytes)`;
  if (data.tag === "KvPutRequest") {
    let payload = keys.reduce((n, k) => n + measuredKeySize(k), 0);
    for (const value of data.val.values) {
      if (value.byteLength > KV_LIMITS.maxValueSize) return `value is too large (max ${KV_LIMITS.maxValueSize / 1024} KiB)`;
      payload += value.byteLength;
    }
    if (payload > KV_LIMITS.maxPutPayload) return `total payload is too large (max ${KV_LIMITS.maxPutPayload / 1024} KiB)`;
  }
  return undefined;
}

/** One actor's KV. */
export class KvModel {
  private readonly entries = new Map<string, [Uint8Array, Uint8Array]>();

  /** All entries in key order. */
  sorted(): [Uint8Array, Uint8Array][] {
    return [...this.entries.values()].sort((a, b) => compareBytes(a[0], b[0]));
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.entries.get(hexOf(key))?.[1];
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.entries.set(hexOf(key), [new Uint8Array(key), new Uint8Array(value)]);
  }

  delete(key: Uint8Array): void {
    this.entries.delete(hexOf(key));
  }

  clear(): void {
    this.entries.clear();
  }

  /** Answers one request as the engine would. */
  apply(data: KvRequestData): KvResponseData {
    const problem = limitProblem(data);
    if (problem !== undefined) return { tag: "KvErrorResponse", val: { message: problem } };
    const now = BigInt(Date.now());
    const answer = (list: [Uint8Array, Uint8Array][], tag: "KvGetResponse" | "KvListResponse"): KvResponseData => ({
      tag,
      val: {
        keys: list.map(([k]) => toBuffer(k)),
        values: list.map(([, v]) => toBuffer(v)),
        metadata: list.map(() => ({ version: METADATA_VERSION, updateTs: now })),
      },
    });
    switch (data.tag) {
      case "KvGetRequest": {
        const wanted = new Set(data.val.keys.map((k) => hexOf(toBytes(k))));
        return answer(this.sorted().filter(([k]) => wanted.has(hexOf(k))), "KvGetResponse");
      }
      case "KvListRequest": {
        const q = data.val.query;
        let list = this.sorted();
        if (q.tag === "KvListPrefixQuery") {
          const prefix = toBytes(q.val.key);
          list = list.filter(([k]) => k.length >= prefix.length && compareBytes(k.subarray(0, prefix.length), prefix) === 0);
        } else if (q.tag === "KvListRangeQuery") {
          const start = toBytes(q.val.start);
          const end = toBytes(q.val.end);
          list = list.filter(([k]) => compareBytes(k, start) >= 0 && (q.val.exclusive ? compareBytes(k, end) < 0 : compareBytes(k, end) <= 0));
        }
        if (data.val.reverse === true) list.reverse();
        const limit = data.val.limit === null ? DEFAULT_LIST_LIMIT : Number(data.val.limit);
        return answer(list.slice(0, limit), "KvListResponse");
      }
      case "KvPutRequest":
        if (data.val.keys.length !== data.val.values.length) {
          return { tag: "KvErrorResponse", val: { message: "keys and values differ in length" } };
        }
        data.val.keys.forEach((k, i) => this.put(toBytes(k), toBytes(data.val.values[i]!)));
        return { tag: "KvPutResponse", val: null };
      case "KvDeleteRequest":
        for (const k of data.val.keys) this.delete(toBytes(k));
        return { tag: "KvDeleteResponse", val: null };
      case "KvDeleteRangeRequest": {
        const start = toBytes(data.val.start);
        const end = toBytes(data.val.end);
        for (const [k] of this.sorted()) if (compareBytes(k, start) >= 0 && compareBytes(k, end) < 0) this.delete(k);
        // v7 has no delete-range response of its own; the engine answers KvDeleteResponse.
        return { tag: "KvDeleteResponse", val: null };
      }
      case "KvDropRequest":
        this.clear();
        return { tag: "KvDropResponse", val: null };
    }
  }
}
