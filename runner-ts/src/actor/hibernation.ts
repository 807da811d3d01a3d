/**
 * What makes a connection outlive its actor's sleep: the persisted connection record
 * (`[2] ++ utf8(connection id)`, a versioned `PersistedConn`) and the in-order acknowledgement
 * of the gateway's messages.
 *
 * The gateway keeps every message of a hibernatable socket until the runner acks it, and an
 * ack of index `i` releases every message up to `i`. Messages are handled concurrently
 * (actions run in parallel), so the ack must only move past an index once every earlier
 * message is durably handled too; otherwise a crash would lose the earlier one.
 */
import { persist, wrappingLtU16 } from "@actorwire/protocol";

/** Prefix of every persisted connection key. */
export const CONN_PREFIX = new Uint8Array([2]);

/** A persisted connection, as the surfaces use it (CBOR payloads still encoded). */
export interface PersistedConnRecord {
  readonly id: string;
  readonly parameters: Uint8Array;
  readonly state: Uint8Array;
  readonly subscriptions: readonly string[];
  readonly gatewayId: ArrayBuffer;
  readonly requestId: ArrayBuffer;
  /** The last gateway message index that is durably handled (acked). */
  readonly serverMessageIndex: number;
  /** The last index this side sent. */
  readonly clientMessageIndex: number;
  readonly requestPath: string;
  readonly requestHeaders: Readonly<Record<string, string>>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The key of connection `id`. */
export function connKey(id: string): Uint8Array {
  const idBytes = encoder.encode(id);
  const key = new Uint8Array(1 + idBytes.length);
  key[0] = CONN_PREFIX[0] as number;
  key.set(idBytes, 1);
  return key;
}

/** The connection id in a key, or undefined for a key outside the prefix. */
export function connIdFromKey(key: Uint8Array): string | undefined {
  if (key.length < 2 || key[0] !== CONN_PREFIX[0]) return undefined;
  return decoder.decode(key.subarray(1));
}

/** Encodes a connection record. */
export function encodeConnRecord(record: PersistedConnRecord): Uint8Array {
  return persist.encodeRecord("PersistedConn", {
    id: record.id,
    parameters: exact(record.parameters),
    state: exact(record.state),
    subscriptions: [...record.subscriptions],
    gatewayId: record.gatewayId,
    requestId: record.requestId,
    serverMessageIndex: record.serverMessageIndex & 0xffff,
    clientMessageIndex: record.clientMessageIndex & 0xffff,
    requestPath: record.requestPath,
    requestHeaders: new Map(Object.entries(record.requestHeaders)),
  });
}

/** Decodes a connection record; throws on malformed bytes. */
export function decodeConnRecord(bytes: Uint8Array): PersistedConnRecord {
  const r = persist.decodeRecord("PersistedConn", bytes);
  return {
    id: r.id,
    parameters: new Uint8Array(r.parameters),
    state: new Uint8Array(r.state),
    subscriptions: [...r.subscriptions],
    gatewayId: r.gatewayId,
    requestId: r.requestId,
    serverMessageIndex: r.serverMessageIndex,
    clientMessageIndex: r.clientMessageIndex,
    requestPath: r.requestPath,
    requestHeaders: Object.fromEntries(r.requestHeaders),
  };
}

/**
 * Tracks which gateway messages of one socket are durably handled and yields the index the ack
 * may move to. Indices live on the u16 ring and arrive in order (the runner drops duplicates
 * and closes on gaps); handling may finish in any order.
 */
export class AckTracker {
  /** Indices received and not yet handled, in arrival order. */
  private readonly pending: number[] = [];
  /** Indices handled while an earlier one is still pending. */
  private readonly handledEarly = new Set<number>();

  /** @param acked the index acked so far (0 for a fresh socket: the open itself is index 0). */
  constructor(private acked: number) {}

  /** The index acked so far: every message up to it is durably handled. */
  get ackedIndex(): number {
    return this.acked;
  }

  /** Records an arriving message. */
  received(index: number): void {
    this.pending.push(index & 0xffff);
  }

  /**
   * Records that a message is durably handled. Returns the index the ack may now move to, or
   * undefined when an earlier message is still being handled.
   */
  handled(index: number): number | undefined {
    const i = index & 0xffff;
    if (this.pending[0] !== i) {
      if (this.pending.includes(i)) this.handledEarly.add(i);
      return undefined;
    }
    this.pending.shift();
    let last = i;
    while (this.pending.length > 0 && this.handledEarly.has(this.pending[0] as number)) {
      last = this.pending.shift() as number;
      this.handledEarly.delete(last);
    }
    if (wrappingLtU16(this.acked, last)) this.acked = last;
    return this.acked;
  }
}

function exact(view: Uint8Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) return view.buffer;
  // `Uint8Array.prototype.slice` copies; a Node `Buffer`'s own `slice` would not.
  return Uint8Array.prototype.slice.call(view).buffer as ArrayBuffer;
}
