/**
 * Reads the bytes a person pastes into the decoder: hex or base64 (standard or URL-safe,
 * padding optional), told apart automatically, whitespace ignored. Text that is valid as both
 * (only hex digits, even length) is read as hex, the more common way to paste a frame.
 */

export interface PastedBytes {
  readonly bytes: Uint8Array;
  readonly format: "hex" | "base64";
}

export function parsePastedBytes(text: string): PastedBytes {
  const compact = text.replace(/\s+/g, "");
  const hex = compact.replace(/^0x/i, "");
  if (/^(?:[0-9a-fA-F]{2})*$/.test(hex)) {
    const bytes = new Uint8Array(hex.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return { bytes, format: "hex" };
  }
  if (/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) && compact.replace(/=+$/, "").length % 4 !== 1) {
    const standard = compact.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
    const binary = atob(standard.padEnd(Math.ceil(standard.length / 4) * 4, "="));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return { bytes, format: "base64" };
  }
  throw new Error("the input is neither hex (an even number of hex digits) nor base64");
}

/** A decoded value in the golden vectors' JSON form: bigints, bytes and maps kept readable. */
export function toVectorJson(value: unknown): unknown {
  if (typeof value === "bigint") return { $bigint: value.toString() };
  if (value instanceof ArrayBuffer || value instanceof Uint8Array) {
    const view = value instanceof Uint8Array ? value : new Uint8Array(value);
    let hex = "";
    for (const b of view) hex += b.toString(16).padStart(2, "0");
    return { $hex: hex };
  }
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [toVectorJson(k), toVectorJson(v)]) };
  if (Array.isArray(value)) return value.map(toVectorJson);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toVectorJson(v)]));
  return value;
}
