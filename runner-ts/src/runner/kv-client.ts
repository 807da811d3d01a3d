import type { runner } from "@actorwire/protocol";
import type { Logger } from "pino";
import { bytesEqual, exactArrayBuffer } from "./bytes.js";
import { RunnerError } from "./errors.js";
import { checkEntries, checkKey, checkKeys } from "./kv-limits.js";
import type { KvListOptions, KvListQuery, RunnerKv } from "./types.js";

type KvRequestData = runner.v7.KvRequestData;
type KvResponseData = runner.v7.KvResponseData;

/** How long a KV request may wait for its answer. */
export const KV_REQUEST_TIMEOUT_MS = 30_000;
/** How often pending requests are checked against their deadline. */
const SWEEP_INTERVAL_MS = 5_000;

/** One request waiting for its answer. */
interface Pending {
  readonly actorId: string;
  readonly data: KvRequestData;
  readonly expect: KvResponseData["tag"];
  readonly deadline: number;
  /** Whether it went out on the current socket. */
  sent: boolean;
  resolve(data: KvResponseData): void;
  reject(err: RunnerError): void;
}

/** What the KV client needs from the runner. */
export interface KvTransport {
  /** Sends a message if connected; false when it must wait for the next `ToClientInit`. */
  send(message: runner.v7.ToServer): boolean;
}

const EMPTY: ArrayBuffer = new ArrayBuffer(0);

/**
 * The actor KV, spoken over the runner socket: request IDs, answers matched by ID, a 30 s
 * deadline per request (checked by one sweep timer rather than a timer per request),
 * requests made while disconnected (or in flight when the socket dropped) sent after the
 * next `ToClientInit`, and the engine's limits checked before anything is sent. Every KV
 * operation is idempotent on its own, so resending one the engine may already have applied
 * is safe.
 */
export class KvClient implements RunnerKv {
  private nextRequestId = 0;
  private readonly pending = new Map<number, Pending>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private closedWith: RunnerError | undefined;

  constructor(
    private readonly transport: KvTransport,
    private readonly log: Logger,
  ) {}

  async get(actorId: string, keys: readonly Uint8Array[]): Promise<(Uint8Array | null)[]> {
    checkKeys(keys);
    if (keys.length === 0) return [];
    const wireKeys = keys.map(exactArrayBuffer);
    const res = await this.request(actorId, { tag: "KvGetRequest", val: { keys: wireKeys } }, "KvGetResponse");
    return orderValues(wireKeys, (res as { val: runner.v7.KvGetResponse }).val);
  }

  async list(actorId: string, query: KvListQuery, options: KvListOptions = {}): Promise<[Uint8Array, Uint8Array][]> {
    let wireQuery: runner.v7.KvListQuery;
    switch (query.kind) {
      case "all":
        wireQuery = { tag: "KvListAllQuery", val: null };
        break;
      case "prefix":
        checkKey(query.prefix, "prefix key");
        wireQuery = { tag: "KvListPrefixQuery", val: { key: exactArrayBuffer(query.prefix) } };
        break;
      case "range":
        checkKey(query.start, "start key");
        checkKey(query.end, "end key");
        wireQuery = {
          tag: "KvListRangeQuery",
          val: { start: exactArrayBuffer(query.start), end: exactArrayBuffer(query.end), exclusive: query.exclusive },
        };
        break;
      default:
        throw new RunnerError("kv.invalid_request", `unknown list query ${String((query as { kind: unknown }).kind)}`);
    }
    const { limit } = options;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
      throw new RunnerError("kv.invalid_request", `list limit must be a non-negative integer, got ${String(limit)}`);
    }
    const res = await this.request(
      actorId,
      {
        tag: "KvListRequest",
        val: { query: wireQuery, reverse: options.reverse ?? null, limit: limit === undefined ? null : BigInt(limit) },
      },
      "KvListResponse",
    );
    const { keys, values } = (res as { val: runner.v7.KvListResponse }).val;
    const out: [Uint8Array, Uint8Array][] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = [new Uint8Array(keys[i] as ArrayBuffer), new Uint8Array(values[i] ?? EMPTY)];
    return out;
  }

  async put(actorId: string, entries: readonly (readonly [Uint8Array, Uint8Array])[]): Promise<void> {
    checkEntries(entries);
    if (entries.length === 0) return;
    const keys = new Array<ArrayBuffer>(entries.length);
    const values = new Array<ArrayBuffer>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const [k, v] = entries[i] as readonly [Uint8Array, Uint8Array];
      keys[i] = exactArrayBuffer(k);
      values[i] = exactArrayBuffer(v);
    }
    await this.request(actorId, { tag: "KvPutRequest", val: { keys, values } }, "KvPutResponse");
  }

  async delete(actorId: string, keys: readonly Uint8Array[]): Promise<void> {
    checkKeys(keys);
    if (keys.length === 0) return;
    await this.request(actorId, { tag: "KvDeleteRequest", val: { keys: keys.map(exactArrayBuffer) } }, "KvDeleteResponse");
  }

  async deleteRange(actorId: string, start: Uint8Array, end: Uint8Array): Promise<void> {
    checkKey(start, "start key");
    checkKey(end, "end key");
    // v7 has no response of its own for a range delete: the engine answers KvDeleteResponse.
    await this.request(
      actorId,
      { tag: "KvDeleteRangeRequest", val: { start: exactArrayBuffer(start), end: exactArrayBuffer(end) } },
      "KvDeleteResponse",
    );
  }

  async drop(actorId: string): Promise<void> {
    await this.request(actorId, { tag: "KvDropRequest", val: null }, "KvDropResponse");
  }

  /** Handles `ToClientKvResponse`. */
  onResponse(response: runner.v7.ToClientKvResponse): void {
    const pending = this.pending.get(response.requestId);
    if (pending === undefined) {
      this.log.debug({ requestId: response.requestId }, "KV response for no pending request (timed out or resent)");
      return;
    }
    this.pending.delete(response.requestId);
    const { data } = response;
    if (data.tag === "KvErrorResponse") {
      pending.reject(new RunnerError("kv.refused", data.val.message || "the engine refused the KV request"));
    } else if (data.tag !== pending.expect) {
      pending.reject(new RunnerError("kv.unexpected_response", `expected ${pending.expect}, the engine answered ${data.tag}`));
    } else {
      pending.resolve(data);
    }
  }

  /** The socket dropped: requests in flight will get no answer on it and go again after the next init. */
  onDisconnected(): void {
    for (const p of this.pending.values()) p.sent = false;
  }

  /** `ToClientInit` arrived: sends everything waiting, oldest first. */
  onConnected(): void {
    for (const [requestId, p] of this.pending) {
      if (p.sent) continue;
      p.sent = this.transport.send({ tag: "ToServerKvRequest", val: { actorId: p.actorId, requestId, data: p.data } });
      if (!p.sent) return;
    }
  }

  /** Rejects every pending request (runner lost, or shutting down); with `final`, later calls too. */
  rejectAll(error: RunnerError, final = false): void {
    if (final) this.closedWith = error;
    const all = [...this.pending.values()];
    this.pending.clear();
    this.stopSweep();
    for (const p of all) p.reject(error);
  }

  private request(actorId: string, data: KvRequestData, expect: KvResponseData["tag"]): Promise<KvResponseData> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    const requestId = this.nextRequestId;
    this.nextRequestId = (this.nextRequestId + 1) >>> 0;
    return new Promise<KvResponseData>((resolve, reject) => {
      const p: Pending = { actorId, data, expect, deadline: Date.now() + KV_REQUEST_TIMEOUT_MS, sent: false, resolve, reject };
      this.pending.set(requestId, p);
      p.sent = this.transport.send({ tag: "ToServerKvRequest", val: { actorId, requestId, data } });
      if (this.sweepTimer === undefined) this.startSweep();
    });
  }

  private startSweep(): void {
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    // Pending KV alone must not keep a process alive.
    this.sweepTimer.unref();
  }

  private stopSweep(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [requestId, p] of this.pending) {
      if (p.deadline > now) continue;
      this.pending.delete(requestId);
      p.reject(new RunnerError("kv.timeout", `no answer to the KV request within ${KV_REQUEST_TIMEOUT_MS / 1000} s`));
    }
    if (this.pending.size === 0) this.stopSweep();
  }
}

/**
 * Puts the values of a get answer back in the order of the asked keys. The engine leaves
 * missing keys out, and need not answer in the asked order.
 */
function orderValues(asked: readonly ArrayBuffer[], res: runner.v7.KvGetResponse): (Uint8Array | null)[] {
  const out: (Uint8Array | null)[] = new Array(asked.length).fill(null);
  const { keys, values } = res;
  if (keys.length === 0) return out;
  // Small answers: a scan beats building a map.
  if (asked.length <= 8) {
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j] as ArrayBuffer;
      for (let i = 0; i < asked.length; i++) {
        if (out[i] === null && bytesEqual(asked[i] as ArrayBuffer, key)) {
          out[i] = new Uint8Array(values[j] ?? EMPTY);
          // The same key asked twice gets its value in both places.
        }
      }
    }
    return out;
  }
  const index = new Map<string, number[]>();
  for (let i = 0; i < asked.length; i++) {
    const k = Buffer.from(asked[i] as ArrayBuffer).toString("latin1");
    const at = index.get(k);
    if (at === undefined) index.set(k, [i]);
    else at.push(i);
  }
  for (let j = 0; j < keys.length; j++) {
    const at = index.get(Buffer.from(keys[j] as ArrayBuffer).toString("latin1"));
    if (at === undefined) continue;
    const value = new Uint8Array(values[j] ?? EMPTY);
    for (const i of at) out[i] = value;
  }
  return out;
}
