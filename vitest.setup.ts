import { expect } from "vitest";

/**
 * vitest's deep equality treats any two ArrayBuffers as equal, whatever their bytes. Our
 * codecs represent every BARE `data` field as an ArrayBuffer, so without this tester every
 * `toEqual` on a decoded message would silently ignore its payloads.
 */
function arrayBufferEquality(a: unknown, b: unknown): boolean | undefined {
  const aIsBuffer = a instanceof ArrayBuffer;
  const bIsBuffer = b instanceof ArrayBuffer;
  if (!aIsBuffer && !bIsBuffer) return undefined;
  if (!aIsBuffer || !bIsBuffer) return false;
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

expect.addEqualityTesters([arrayBufferEquality]);
