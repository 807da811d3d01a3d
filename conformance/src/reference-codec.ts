/**
 * The reference codec testee: answers the testee protocol with the generated codecs of
 * `@actorwire/protocol`. `testees/codec-ts.ts` runs it; the broken testees wrap it.
 */
import { ProtocolError } from "@actorwire/protocol";
import { codecModules } from "@actorwire/protocol/internal";
import { bytesToHex, fromJsonValue, hexToBytes, toJsonValue } from "@actorwire/fixtures";
import { OWN_PACKAGE } from "./package-info.js";
import type { TesteeHandler } from "./testee-kit.js";
import type { CodecRequest, CodecResponse, HelloResponse, TesteeError } from "./testee-protocol.js";

type Codec = (input: unknown) => unknown;
type CodecModule = Record<string, unknown> & { ROOT_TYPES: readonly string[] };

/** The generated module of one family and version, if it exists. */
function moduleOf(family: string, version: number): CodecModule | undefined {
  const versions = (codecModules as unknown as Record<string, Record<number, CodecModule> | undefined>)[family];
  return versions?.[version];
}

/** The codec function `<verb><type>` of a request, or why there is none. */
function codecOf(request: CodecRequest): Codec | string {
  const mod = moduleOf(request.family, request.version);
  if (mod === undefined) return `no ${request.family} v${request.version} codec`;
  if (!mod.ROOT_TYPES.includes(request.type)) return `${request.type} is not a root type of ${request.family} v${request.version}`;
  return mod[`${request.op}${request.type}`] as Codec;
}

/** The handler, for the testee kit. */
export const referenceCodec: TesteeHandler = {
  hello(): HelloResponse {
    return {
      name: "actorwire codec-ts",
      version: OWN_PACKAGE.version,
      supports: Object.entries(codecModules).map(([family, versions]) => ({
        family,
        versions: Object.keys(versions).map(Number),
      })),
    };
  },

  handle(request: CodecRequest): CodecResponse {
    const { id } = request;
    const codec = codecOf(request);
    if (typeof codec === "string") return { id, skipped: codec };
    if (request.op === "decode") {
      let bytes: Uint8Array;
      try {
        bytes = hexToBytes(request.hex);
      } catch (error) {
        return { id, ok: false, error: { code: "bad_request", message: (error as Error).message } };
      }
      try {
        return { id, ok: true, value: toJsonValue(codec(bytes)) };
      } catch (error) {
        return { id, ok: false, error: errorOf(error) };
      }
    }
    let value: unknown;
    try {
      value = fromJsonValue(request.value);
    } catch (error) {
      return { id, ok: false, error: { code: "bad_request", message: (error as Error).message } };
    }
    try {
      return { id, ok: true, hex: bytesToHex(codec(value) as Uint8Array) };
    } catch (error) {
      return { id, ok: false, error: errorOf(error) };
    }
  },
};

function errorOf(error: unknown): TesteeError {
  if (error instanceof ProtocolError) {
    return error.offset >= 0
      ? { code: error.id, message: error.message, offset: error.offset }
      : { code: error.id, message: error.message };
  }
  // Decoders promise to throw nothing else; if one does, say so instead of crashing.
  return { code: "internal", message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}
