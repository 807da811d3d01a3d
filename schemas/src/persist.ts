/**
 * Persisted actor records (the runtime's own data in an actor's KV), one namespace per
 * published version, plus record helpers that add and check the 2-byte version prefix every
 * stored record carries. Only version 1 exists, so reading means checking the prefix; when a
 * version 2 appears, the read side upgrades older records here, in one place.
 *
 * @packageDocumentation
 */
export * as v1 from "./gen/persist/v1.js";

import * as v1 from "./gen/persist/v1.js";
import type * as bare from "@bare-ts/lib";
import { readEmbeddedVersion } from "./embedded-version.js";
import { encodeRoot } from "./runtime/root-codec.js";
import { VersionError } from "./errors.js";

/** Every persisted-record version this package reads. */
export const VERSIONS = [1] as const;
/** The version every record is written in. */
export const LATEST_VERSION = 1;

/** The record types, by name, with the latest version's TypeScript shapes. */
export interface Records {
  /** The actor itself: its input, its state, and whether its creation hooks have completed. */
  PersistedActor: v1.PersistedActor;
  /** One hibernatable connection (a WebSocket on `/connect`), kept so it can outlive the actor's sleep. */
  PersistedConn: v1.PersistedConn;
  /** The queue's bookkeeping: the next message ID and how many messages are stored. */
  QueueMetadata: v1.QueueMetadata;
  /** One message waiting in the queue. */
  QueueMessage: v1.QueueMessage;
  /** One pending scheduled action call (`c.schedule.after` or `c.schedule.at`). */
  ScheduledEvent: v1.ScheduledEvent;
}

const codecs: {
  [K in keyof Records]: { encode(x: Records[K]): Uint8Array; decode(b: Uint8Array): Records[K]; write(bc: bare.ByteCursor, x: Records[K]): void };
} = {
  PersistedActor: { encode: v1.encodePersistedActor, decode: v1.decodePersistedActor, write: v1.writePersistedActor },
  PersistedConn: { encode: v1.encodePersistedConn, decode: v1.decodePersistedConn, write: v1.writePersistedConn },
  QueueMetadata: { encode: v1.encodeQueueMetadata, decode: v1.decodeQueueMetadata, write: v1.writeQueueMetadata },
  QueueMessage: { encode: v1.encodeQueueMessage, decode: v1.decodeQueueMessage, write: v1.writeQueueMessage },
  ScheduledEvent: { encode: v1.encodeScheduledEvent, decode: v1.decodeScheduledEvent, write: v1.writeScheduledEvent },
};

/** Encodes a record in the latest version, with its 2-byte little-endian version prefix. */
export function encodeRecord<K extends keyof Records>(type: K, value: Records[K]): Uint8Array {
  // Written in one pass, prefix first, instead of encoding and then copying behind a prefix.
  return encodeRoot(value, codecs[type].write, LATEST_VERSION);
}

/**
 * Decodes a stored record of any readable version into the latest shape. Throws
 * `VersionError` (`version.unknown_version`) for a version this package cannot read, for
 * example one written by a newer runtime, and `ProtocolError` for malformed bytes.
 */
export function decodeRecord<K extends keyof Records>(type: K, bytes: Uint8Array): Records[K] {
  const { version, body } = readEmbeddedVersion(bytes);
  if (version !== 1) {
    throw new VersionError(
      "version.unknown_version",
      `persisted ${type} record has version ${version}; this runtime reads ${VERSIONS.join(", ")}`,
      { details: { family: "persist", type, from: version, to: LATEST_VERSION } },
    );
  }
  return codecs[type].decode(body);
}
