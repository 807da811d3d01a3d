/**
 * The queue's records in the actor's KV: where they live and how they are encoded. Keys follow
 * rivetkit's layout (`[5, 1, 1]` metadata, `[5, 1, 2] ++ u64 big-endian id` per message) so the
 * ordering of message keys is the ordering of ids, and a prefix list returns them oldest first.
 */
import { exactArrayBuffer } from "../runner/bytes.js";
import { persist } from "@actorwire/protocol";

/** Key of the queue's metadata record. */
export const QUEUE_METADATA_KEY = new Uint8Array([5, 1, 1]);
/** Prefix of every queue message key. */
export const QUEUE_MESSAGE_PREFIX = new Uint8Array([5, 1, 2]);

/** A message as the queue keeps it in memory: the stored record plus its id. */
export interface StoredQueueMessage {
  readonly id: bigint;
  readonly name: string;
  /** The CBOR-encoded body. */
  readonly body: Uint8Array;
  readonly createdAt: number;
  /** How often the message was handed to a receiver, this delivery included once it is handed out. */
  deliveries: number;
  /** The in-memory waiter of a client send-and-wait, when there was one. */
  readonly waiterId: string | null;
}

/** The key of message `id`. */
export function queueMessageKey(id: bigint): Uint8Array {
  const key = new Uint8Array(QUEUE_MESSAGE_PREFIX.length + 8);
  key.set(QUEUE_MESSAGE_PREFIX, 0);
  new DataView(key.buffer).setBigUint64(QUEUE_MESSAGE_PREFIX.length, id, false);
  return key;
}

/** The id in a message key, or undefined when the key is not a message key. */
export function queueMessageIdFromKey(key: Uint8Array): bigint | undefined {
  if (key.length !== QUEUE_MESSAGE_PREFIX.length + 8) return undefined;
  for (let i = 0; i < QUEUE_MESSAGE_PREFIX.length; i++) if (key[i] !== QUEUE_MESSAGE_PREFIX[i]) return undefined;
  return new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(QUEUE_MESSAGE_PREFIX.length, false);
}

/** Encodes a message record. */
export function encodeQueueMessage(message: StoredQueueMessage): Uint8Array {
  return persist.encodeRecord("QueueMessage", {
    name: message.name,
    body: exactArrayBuffer(message.body),
    createdAt: BigInt(message.createdAt),
    deliveries: message.deliveries,
    waiterId: message.waiterId,
  });
}

/** Decodes a message record stored under `key`; throws on malformed bytes. */
export function decodeQueueMessage(id: bigint, bytes: Uint8Array): StoredQueueMessage {
  const record = persist.decodeRecord("QueueMessage", bytes);
  return {
    id,
    name: record.name,
    body: new Uint8Array(record.body),
    createdAt: Number(record.createdAt),
    deliveries: record.deliveries,
    waiterId: record.waiterId,
  };
}

/** Encodes the metadata record. */
export function encodeQueueMetadata(nextId: bigint, size: number): Uint8Array {
  return persist.encodeRecord("QueueMetadata", { nextId, size });
}

/** Decodes the metadata record; throws on malformed bytes. */
export function decodeQueueMetadata(bytes: Uint8Array): { nextId: bigint; size: number } {
  const record = persist.decodeRecord("QueueMetadata", bytes);
  return { nextId: record.nextId, size: record.size };
}

