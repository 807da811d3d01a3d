import { exactArrayBuffer } from "../bytes.js";
import { ProtocolError, VersionError } from "../errors.js";
import type { VersionedCodec } from "../versioned/chain.js";
import { checkSize, decodeCborRaw, encodeCborRaw } from "./cbor.js";
import { fromCompat, guard, jsonParseCompat, jsonStringifyCompat, toCompat } from "./compat.js";
import { malformed } from "./shape.js";
import type { ClientEncoding, ClientMessageCodec } from "./types.js";

/** The client protocol version json and cbor messages are reported as, and bare's default. */
export const CLIENT_LATEST_VERSION = 4;

/**
 * How one message type maps onto the three encodings.
 *
 * json and cbor carry the same tree (`toTree`): plain objects in the field order rivetkit
 * writes, message-level `uint`s as bigints, user payloads inline. `user` marks the user
 * payloads in it: in cbor they are written in compat form, as Rivet's server (the Rust core)
 * writes them and as it needs them (it refuses CBOR tags such as byte strings, Sets and Dates
 * inline, and turns 64-bit integers into plain numbers); in json the whole tree goes through
 * the compat stringifier, as rivetkit does. `fromTree` checks and reads the tree after compat
 * revival, which accepts native CBOR values (what rivetkit's client writes) as well.
 *
 * bare maps the value onto the generated v4 type (`toBare`/`fromBare`), whose `Cbor` fields
 * hold user payloads as CBOR documents, and `versioned` moves it to older versions.
 */
export interface MessageSpec<T, B> {
  readonly type: string;
  readonly versioned: VersionedCodec<B>;
  toTree(value: T, user: (payload: unknown) => unknown, encoding: "json" | "cbor"): unknown;
  fromTree(tree: unknown): T;
  toBare(value: T): B;
  fromBare(value: B): T;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Builds the {@link ClientMessageCodec} of one message type from its spec. */
export function messageCodec<T, B>(spec: MessageSpec<T, B>): ClientMessageCodec<T> {
  return {
    encode(value: T, encoding: ClientEncoding, version?: number): Uint8Array | string {
      switch (encoding) {
        case "json":
          return jsonStringifyCompat(spec.toTree(value, (payload) => payload, "json"));
        case "cbor":
          return encodeCborRaw(spec.toTree(value, (payload) => toCompat(payload), "cbor"));
        case "bare":
          return encodeBare(spec, value, version ?? CLIENT_LATEST_VERSION);
        default:
          throw unknownEncoding(encoding);
      }
    },
    decode(data: Uint8Array | string, encoding: ClientEncoding): { value: T; version: number } {
      switch (encoding) {
        case "json":
          return { value: spec.fromTree(jsonParseCompat(jsonText(data, spec.type))), version: CLIENT_LATEST_VERSION };
        case "cbor": {
          const raw = decodeCborRaw(binary(data, "cbor", spec.type));
          const tree = guard("malformed", () => fromCompat(raw));
          return { value: spec.fromTree(tree), version: CLIENT_LATEST_VERSION };
        }
        case "bare": {
          const bytes = binary(data, "bare", spec.type);
          checkSize(bytes.byteLength, spec.type);
          const { version, value } = spec.versioned.decodeWithEmbeddedVersion(bytes);
          return { value: spec.fromBare(value), version };
        }
        default:
          throw unknownEncoding(encoding);
      }
    },
  };
}

function encodeBare<T, B>(spec: MessageSpec<T, B>, value: T, version: number): Uint8Array {
  const bareValue = spec.toBare(value);
  try {
    return spec.versioned.encodeWithEmbeddedVersion(bareValue, version);
  } catch (thrown) {
    if (thrown instanceof VersionError) throw thrown;
    // The generated encoders report a value that does not fit as "malformed"; on the way
    // out it is the caller's value that is wrong.
    if (thrown instanceof ProtocolError && thrown.code !== "invalid_value") {
      throw new ProtocolError("protocol.invalid_value", `cannot encode ${spec.type}: ${thrown.message}`, { cause: thrown });
    }
    throw thrown;
  }
}

function jsonText(data: Uint8Array | string, type: string): string {
  if (typeof data === "string") {
    // A UTF-16 string of n code units is at least n bytes of UTF-8, so this never lets
    // through more than the byte limit would.
    checkSize(data.length, type);
    return data;
  }
  checkSize(data.byteLength, type);
  try {
    return utf8.decode(data);
  } catch (thrown) {
    throw new ProtocolError("protocol.malformed", `${type} is not valid UTF-8`, { cause: thrown });
  }
}

function binary(data: Uint8Array | string, encoding: ClientEncoding, type: string): Uint8Array {
  if (typeof data === "string") throw malformed(`${type} in the ${encoding} encoding must be binary, got text`);
  if (!(data instanceof Uint8Array)) throw malformed(`${type} must be a Uint8Array`);
  return data;
}

function unknownEncoding(encoding: unknown): ProtocolError {
  return new ProtocolError("protocol.invalid_value", `unknown client encoding ${JSON.stringify(encoding)}`);
}

