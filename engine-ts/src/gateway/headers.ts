import type { IncomingHttpHeaders } from "node:http";

/** The request header carrying the ray ID to the actor, and the response header back to the client. */
export const RAY_ID_HEADER = "x-rivet-ray-id";

/**
 * The client's headers as the runner receives them: lower-cased names (Node already lower-
 * cases them), one value per name, plus the ray ID. Repeated headers are joined the way Node
 * joins them (`, `, or `; ` for cookies), which HTTP defines as equivalent; Rivet's guard
 * keeps only the last one. Like Rivet's guard (hyper's `to_str`), values with bytes outside
 * visible ASCII and tab are left out.
 */
export function tunnelRequestHeaders(headers: IncomingHttpHeaders, rayId: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : value;
    if (!isVisibleAscii(text)) continue;
    out.set(name, text);
  }
  out.set(RAY_ID_HEADER, rayId);
  return out;
}

function isVisibleAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x09 && (c < 0x20 || c > 0x7e)) return false;
  }
  return true;
}

/** Response headers the gateway sets itself instead of copying them from the runner. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"]);

/** Whether a runner response header is copied to the client. */
export function isForwardedResponseHeader(name: string): boolean {
  return !HOP_BY_HOP.has(name.toLowerCase());
}
