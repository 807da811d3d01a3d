/**
 * Runner protocol v1 and v2 name tunnel requests and messages with 16-byte UUIDs, v3 and
 * later with a 4-byte gateway ID, a 4-byte request ID and a u16 message index. Between the
 * two, the bytes are packed into a version-4 UUID around its version byte (offset 6, 0x40)
 * and variant byte (offset 8, 0x80), which leaves 14 bytes of payload. This is the packing
 * Rivet's engine uses, so a v2 runner sees the same IDs from either engine.
 */

const PAYLOAD_OFFSETS = [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 13, 14, 15] as const;

/** Packs up to 14 bytes into a UUID; missing bytes are zero. */
export function packIntoUuid(payload: Uint8Array): Uint8Array {
  if (payload.byteLength > PAYLOAD_OFFSETS.length) throw new Error("a UUID holds at most 14 payload bytes");
  const uuid = new Uint8Array(16);
  uuid[6] = 0x40;
  uuid[8] = 0x80;
  payload.forEach((byte, i) => {
    uuid[PAYLOAD_OFFSETS[i] as number] = byte;
  });
  return uuid;
}

/** Reads the 14 payload bytes back out of a UUID. */
export function unpackFromUuid(uuid: Uint8Array): Uint8Array {
  return Uint8Array.from(PAYLOAD_OFFSETS, (offset) => uuid[offset] as number);
}

/** The v3 tunnel message ID, as plain bytes and number. */
export interface CompactMessageId {
  readonly gatewayId: ArrayBuffer;
  readonly requestId: ArrayBuffer;
  readonly messageIndex: number;
}

/**
 * Recovers the compact ID from a v2 `(requestId, messageId)` pair.
 *
 * The gateway and request IDs come from `requestId`, as in Rivet's engine: a v2 runner
 * echoes the request UUID it was given but makes up its own random message UUIDs. The
 * message index is read from `messageId` only when that UUID was packed from the same
 * request (its first 8 payload bytes match); otherwise it is 0, which the gateway accepts
 * because it does not check the indices of runner messages.
 */
export function fromUuidPair(requestId: ArrayBuffer, messageId: ArrayBuffer): CompactMessageId {
  const req = unpackFromUuid(new Uint8Array(requestId));
  const msg = unpackFromUuid(new Uint8Array(messageId));
  const samePrefix = req.subarray(0, 8).every((b, i) => b === msg[i]);
  return {
    gatewayId: req.slice(0, 4).buffer,
    requestId: req.slice(4, 8).buffer,
    messageIndex: samePrefix ? (msg[8] as number) | ((msg[9] as number) << 8) : 0,
  };
}

/** Packs a compact ID into the v2 `(requestId, messageId)` pair. */
export function toUuidPair(id: CompactMessageId): { requestId: ArrayBuffer; messageId: ArrayBuffer } {
  const bytes = new Uint8Array(10);
  bytes.set(new Uint8Array(id.gatewayId), 0);
  bytes.set(new Uint8Array(id.requestId), 4);
  bytes[8] = id.messageIndex & 0xff;
  bytes[9] = id.messageIndex >>> 8;
  return {
    requestId: packIntoUuid(bytes.subarray(0, 8)).buffer as ArrayBuffer,
    messageId: packIntoUuid(bytes).buffer as ArrayBuffer,
  };
}
