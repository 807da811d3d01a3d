import type { IncomingMessage } from "node:http";
import {
  GATEWAY_QUERY_PARAMS,
  GATEWAY_QUERY_PREFIX,
  HEADER_ACTOR,
  HEADER_SKIP_READY_WAIT,
  HEADER_TARGET,
  HEADER_TOKEN,
  offeredSubprotocols,
  serializeActorKey,
  splitQueryKey,
  subprotocolValue,
  WS_PROTOCOL_ACTOR,
  WS_PROTOCOL_SKIP_READY_WAIT,
  WS_PROTOCOL_TARGET_ACTOR,
  WS_PROTOCOL_TOKEN,
} from "@actorwire/protocol";
import { CborError, assertWellFormedCbor } from "./cbor.js";
import { missingHeader, queryError } from "./errors.js";
import type { ActorQuery } from "./router.js";

/**
 * Where a client request goes, read from its URL (Rivet's `/gateway/...` path and query
 * modes) or its headers and subprotocols (header mode). The rules follow Rivet's guard
 * (`engine/packages/guard/src/routing/actor_path.rs` in Rivet's repository).
 */

/** An actor named by ID, or by name and key. */
export type ActorAddress =
  | { readonly kind: "id"; readonly actorId: string }
  | { readonly kind: "query"; readonly query: ActorQuery };

/** A request the gateway takes. */
export interface GatewayTarget {
  /** How the request named its actor. */
  readonly mode: "path" | "query" | "header";
  readonly actor: ActorAddress;
  /** Parsed but not checked, as in Rivet's guard for actor traffic. */
  readonly token: string | undefined;
  /** The path the actor sees, with its query string (`rvt-*` parameters removed). */
  readonly path: string;
  readonly skipReadyWait: boolean;
}

const GATEWAY_SEGMENT = "gateway";
const RVT_PREFIX = GATEWAY_QUERY_PREFIX;
const RVT_KEYS = new Set<string>(GATEWAY_QUERY_PARAMS);

/**
 * Reads a `/gateway/...` request target. Returns null when it is not a gateway path (or is a
 * malformed direct path, which Rivet lets fall through to the API as well); throws a 400
 * EngineError for a malformed query-mode path, so the client learns what is wrong.
 */
export function parseGatewayPath(url: string): GatewayTarget | null {
  const { base, rawQuery } = splitUrl(url);
  if (!base.startsWith("/") || base.includes("//")) return null;
  const segments = base.split("/").filter((s) => s !== "");
  if (segments[0] !== GATEWAY_SEGMENT) return null;
  const parts = rawQuery === undefined || rawQuery === "" ? [] : rawQuery.split("&");
  if (parts.some((part) => keyOf(part).startsWith(RVT_PREFIX))) return parseQueryPath(base, segments, parts);

  const actorSegment = segments[1];
  if (actorSegment === undefined) return null;
  let actorId: string | null;
  let token: string | null | undefined;
  const at = actorSegment.indexOf("@");
  if (at >= 0) {
    const rawId = actorSegment.slice(0, at);
    const rawToken = actorSegment.slice(at + 1);
    if (rawId === "" || rawToken === "") return null;
    actorId = percentDecode(rawId);
    token = percentDecode(rawToken);
    if (token === null) return null;
  } else {
    actorId = percentDecode(actorSegment);
  }
  if (actorId === null) return null;
  return {
    mode: "path",
    actor: { kind: "id", actorId },
    token: token ?? undefined,
    path: remainingPath(base, segments, rawQuery === undefined ? "" : `?${rawQuery}`),
    skipReadyWait: false,
  };
}

function parseQueryPath(base: string, segments: string[], parts: string[]): GatewayTarget {
  const params = new Map<string, string>();
  for (const part of parts) {
    const key = keyOf(part);
    if (!key.startsWith(RVT_PREFIX)) continue;
    const eq = part.indexOf("=");
    if (eq < 0) {
      throw queryError("query_param_missing_equals", `query gateway param is missing '=': ${key}`, { param: key });
    }
    const name = key.slice(RVT_PREFIX.length);
    if (!RVT_KEYS.has(name)) throw queryError("query_unknown_param", `unknown query gateway param: ${key}`, { name: key });
    if (params.has(name)) throw queryError("query_duplicate_param", `duplicate query gateway param: ${key}`, { name: key });
    const value = formDecode(part.slice(eq + 1));
    if (value === null) {
      throw queryError("query_invalid_percent_encoding", `invalid percent-encoding for query gateway param '${key}'`, {
        name: key,
      });
    }
    params.set(name, value);
  }

  const nameSegment = segments[1];
  if (nameSegment === undefined) throw queryError("query_empty_actor_name", "query gateway actor name must not be empty");
  if (nameSegment.includes("@")) {
    throw queryError("query_path_token_syntax", "query gateway paths must not use @token syntax");
  }
  const name = percentDecode(nameSegment);
  if (name === null) {
    throw queryError("query_invalid_percent_encoding", "invalid percent-encoding for query gateway param 'name'", {
      name: "name",
    });
  }
  if (name === "") throw queryError("query_empty_actor_name", "query gateway actor name must not be empty");

  const namespace = params.get("namespace");
  if (namespace === undefined) throw invalidParams("missing field `namespace`");
  const method = params.get("method");
  if (method === undefined) throw invalidParams("missing field `method`");
  const skipReadyWait = parseFlag(params.get("skip-ready-wait"));
  const key = serializeActorKey(splitQueryKey(params.get("key")));
  const runnerName = params.get("pool") ?? params.get("runner");
  const crashPolicyText = params.get("crash-policy");
  const inputText = params.get("input");

  let query: ActorQuery;
  if (method === "get") {
    // Rivet refuses input, region, crash policy and runner with get; we refuse pool too,
    // since it is only another name for runner.
    for (const disallowed of ["input", "region", "crash-policy", "runner", "pool"]) {
      if (params.has(disallowed)) {
        throw queryError(
          "query_get_disallowed_params",
          "query gateway method=get does not allow input, region, crashPolicy, or runnerName params",
          { name: `${RVT_PREFIX}${disallowed}` },
        );
      }
    }
    query = { namespace, name, key, method };
  } else if (method === "getOrCreate") {
    if (runnerName === undefined) {
      throw queryError("query_missing_runner_name", "query gateway method=getOrCreate requires runnerName param");
    }
    query = {
      namespace,
      name,
      key,
      method,
      runnerName,
      // Rivet's guard creates query actors with the sleep crash policy unless told otherwise.
      crashPolicy: crashPolicyText === undefined ? "sleep" : parseCrashPolicy(crashPolicyText),
      ...(inputText === undefined ? {} : { input: decodeQueryInput(inputText) }),
    };
  } else {
    throw invalidParams(`unknown method: ${method}, expected get or getOrCreate`);
  }

  const actorQuery = parts.filter((part) => part !== "" && !keyOf(part).startsWith(RVT_PREFIX));
  return {
    mode: "query",
    actor: { kind: "query", query },
    token: params.get("token"),
    path: remainingPath(base, segments, actorQuery.length === 0 ? "" : `?${actorQuery.join("&")}`),
    skipReadyWait,
  };
}

/**
 * Reads header-mode addressing: `x-rivet-target: actor` with `x-rivet-actor` for HTTP paths
 * `/request`, `/request/...` and `/request?...`; for WebSockets, the `rivet_target.actor` and
 * `rivet_actor.<id>` subprotocols (or the same headers) on any path. The path passes through
 * unchanged. Returns null when the request is not addressed this way; throws
 * `guard.missing_header` when it is but names no actor.
 */
export function parseHeaderTarget(req: IncomingMessage, websocket: boolean): GatewayTarget | null {
  const url = req.url ?? "/";
  const targetHeader = singleHeader(req, HEADER_TARGET);
  if (!websocket) {
    if (targetHeader !== "actor") return null;
    const path = splitUrl(url).base;
    if (path !== "/request" && !path.startsWith("/request/")) return null;
    const actorId = singleHeader(req, HEADER_ACTOR);
    if (actorId === undefined) throw missingHeader(HEADER_ACTOR);
    return {
      mode: "header",
      actor: { kind: "id", actorId },
      token: singleHeader(req, HEADER_TOKEN),
      path: url,
      skipReadyWait: parseLenientFlag(singleHeader(req, HEADER_SKIP_READY_WAIT)),
    };
  }
  const protocols = offeredSubprotocols(req.headers["sec-websocket-protocol"]);
  if (targetHeader !== "actor" && !protocols.includes(WS_PROTOCOL_TARGET_ACTOR)) return null;
  const rawActor = subprotocolValue(protocols, WS_PROTOCOL_ACTOR);
  const actorId = rawActor === undefined ? singleHeader(req, HEADER_ACTOR) : percentDecode(rawActor);
  if (actorId === undefined || actorId === null || actorId === "") {
    throw missingHeader("`rivet_actor.*` protocol in sec-websocket-protocol");
  }
  return {
    mode: "header",
    actor: { kind: "id", actorId },
    token: subprotocolValue(protocols, WS_PROTOCOL_TOKEN) ?? singleHeader(req, HEADER_TOKEN),
    path: url,
    skipReadyWait: protocols.includes(WS_PROTOCOL_SKIP_READY_WAIT) || parseLenientFlag(singleHeader(req, HEADER_SKIP_READY_WAIT)),
  };
}

/** Whether a path is under `/gateway/` (used to answer CORS preflights before any lookup). */
export function isGatewayPath(url: string): boolean {
  const { base } = splitUrl(url);
  return base.startsWith("/") && !base.includes("//") && base.split("/").filter((s) => s !== "")[0] === GATEWAY_SEGMENT;
}

function splitUrl(url: string): { base: string; rawQuery: string | undefined } {
  const hash = url.indexOf("#");
  const withoutFragment = hash >= 0 ? url.slice(0, hash) : url;
  const q = withoutFragment.indexOf("?");
  return q >= 0
    ? { base: withoutFragment.slice(0, q), rawQuery: withoutFragment.slice(q + 1) }
    : { base: withoutFragment, rawQuery: undefined };
}

function keyOf(part: string): string {
  const eq = part.indexOf("=");
  return eq >= 0 ? part.slice(0, eq) : part;
}

/** The path after `/gateway/<segment>`, or `/`, followed by `query` (empty or starting with `?`). */
function remainingPath(base: string, segments: string[], query: string): string {
  // `base` starts with `/` and holds no `//`, so the consumed prefix is `/gateway/<segment>`.
  const prefixLength = 1 + (segments[0] as string).length + (segments[1] === undefined ? 0 : 1 + segments[1].length);
  const rest = prefixLength < base.length ? base.slice(prefixLength) : "/";
  return `${rest.startsWith("/") ? rest : `/${rest}`}${query}`;
}

/**
 * Percent-decodes like Rust's `urlencoding::decode`: `%XX` becomes a byte, a `%` not followed
 * by two hex digits stays as it is, and the result must be UTF-8 (null otherwise).
 */
export function percentDecode(text: string): string | null {
  if (!text.includes("%")) return text;
  const bytes: number[] = [];
  const raw = Buffer.from(text, "utf8");
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] as number;
    if (b === 0x25 && i + 2 < raw.length && isHex(raw[i + 1]) && isHex(raw[i + 2])) {
      bytes.push(Number.parseInt(String.fromCharCode(raw[i + 1] as number, raw[i + 2] as number), 16));
      i += 2;
    } else {
      bytes.push(b);
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

/** Form decoding of a query value: `+` is a space, then percent-decoding. */
function formDecode(text: string): string | null {
  return percentDecode(text.replace(/\+/g, " "));
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
}

function invalidParams(detail: string) {
  return queryError("query_invalid_params", `invalid query gateway params: ${detail}`, { detail });
}

function parseFlag(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw invalidParams(`invalid rvt-skip-ready-wait: ${value}, expected true, 1, false or 0`);
}

function parseLenientFlag(value: string | undefined): boolean {
  return value === "true" || value === "1";
}

function parseCrashPolicy(value: string): "restart" | "sleep" | "destroy" {
  if (value === "restart" || value === "sleep" || value === "destroy") return value;
  throw invalidParams(`unknown crash policy: ${value}, expected restart, sleep, or destroy`);
}

/** `rvt-input`: base64url without padding of one CBOR item; returned as standard base64. */
function decodeQueryInput(value: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(value) || value.length % 4 === 1) {
    throw queryError("query_invalid_base64_input", "invalid base64url in query gateway input");
  }
  const bytes = Buffer.from(value, "base64url");
  try {
    assertWellFormedCbor(bytes);
  } catch (err) {
    const detail = err instanceof CborError ? err.message : String(err);
    throw queryError("query_invalid_cbor_input", `invalid query gateway input cbor: ${detail}`, { detail });
  }
  return bytes.toString("base64");
}

function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
