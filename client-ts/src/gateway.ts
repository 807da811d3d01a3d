/**
 * Addressing an actor through the engine's gateway (guard): the direct path
 * `/gateway/{actorId}/{rest}`, the query path `/gateway/{name}/{rest}?rvt-…` that resolves
 * get/getOrCreate inside the gateway, and the headers and WebSocket subprotocols that carry
 * the encoding, connection params and token. Tokens and params travel in headers or
 * subprotocols, never in the URL, except in the query URL `getGatewayUrl` hands out (which
 * has nowhere else to put them).
 */
import {
  HEADER_CONN_PARAMS,
  HEADER_ENCODING,
  HEADER_SKIP_READY_WAIT,
  HEADER_TOKEN,
  joinQueryKey,
  WS_PROTOCOL_CONN_PARAMS,
  WS_PROTOCOL_ENCODING,
  WS_PROTOCOL_SKIP_READY_WAIT,
  WS_PROTOCOL_STANDARD,
  WS_PROTOCOL_TOKEN,
} from "@actorwire/protocol";
import type { Encoding, ResolvedClientConfig } from "./config.js";
import { ClientConfigError } from "./errors.js";

/** Actor-relative paths of the client protocol. */
export const PATH_CONNECT = "/connect";

/** Joins the endpoint (which may carry a path prefix) and an absolute path. */
export function joinUrl(endpoint: string, path: string): string {
  return `${endpoint.replace(/\/+$/, "")}${path.startsWith("/") ? path : `/${path}`}`;
}

/** `http(s)` → `ws(s)`. */
export function toWebSocketUrl(url: string): string {
  return url.replace(/^http(s?):/, "ws$1:");
}

/** The gateway URL of `path` (actor-relative, with its query) on the actor `actorId`. */
export function directGatewayUrl(config: ResolvedClientConfig, actorId: string, path: string): string {
  return joinUrl(config.endpoint, `/gateway/${encodeURIComponent(actorId)}${path}`);
}

/** A get/getOrCreate query the gateway can resolve itself. */
export type GatewayQuery =
  | { readonly method: "get"; readonly name: string; readonly key: readonly string[] }
  | {
      readonly method: "getOrCreate";
      readonly name: string;
      readonly key: readonly string[];
      readonly input?: Uint8Array;
      readonly region?: string;
      readonly poolName: string;
    };

/**
 * The query-mode gateway URL, as rivetkit builds it: `rvt-key` joins the parts with `,`
 * (so a part containing `,` cannot be addressed this way; the client resolves through the
 * engine API instead for its own requests), `rvt-input` is base64url CBOR.
 */
export function queryGatewayUrl(
  config: ResolvedClientConfig,
  query: GatewayQuery,
  path: string,
  options: { skipReadyWait?: boolean; includeToken?: boolean } = {},
): string {
  if (query.name === "") throw new ClientConfigError("actor name must not be empty");
  const params = new URLSearchParams();
  params.append("rvt-namespace", config.namespace);
  params.append("rvt-method", query.method);
  if (query.method === "getOrCreate") params.append("rvt-runner", query.poolName);
  if (query.key.length > 0) params.append("rvt-key", joinQueryKey(query.key));
  if (query.method === "getOrCreate") {
    if (query.input !== undefined) {
      if (query.input.byteLength > config.maxInputSize) {
        throw new ClientConfigError(`creation input is ${query.input.byteLength} bytes of CBOR, over maxInputSize ${config.maxInputSize}`);
      }
      params.append("rvt-input", base64Url(query.input));
    }
    if (query.region !== undefined) params.append("rvt-region", query.region);
    params.append("rvt-crash-policy", "sleep");
  }
  if (options.includeToken !== false && config.token !== undefined) params.append("rvt-token", config.token);
  if (options.skipReadyWait === true) params.append("rvt-skip-ready-wait", "true");
  const separator = path.includes("?") ? "&" : "?";
  return joinUrl(config.endpoint, `/gateway/${encodeURIComponent(query.name)}${path}${separator}${params.toString()}`);
}

/** Headers every gateway request carries: configured headers, token, encoding, params. */
export function gatewayHeaders(
  config: ResolvedClientConfig,
  options: { encoding?: Encoding; params?: unknown; skipReadyWait?: boolean } = {},
): Headers {
  const headers = new Headers(config.headers);
  if (config.token !== undefined) headers.set(HEADER_TOKEN, config.token);
  if (options.encoding !== undefined) headers.set(HEADER_ENCODING, options.encoding);
  if (options.params !== undefined) headers.set(HEADER_CONN_PARAMS, JSON.stringify(options.params));
  if (options.skipReadyWait === true) headers.set(HEADER_SKIP_READY_WAIT, "1");
  return headers;
}

/** The subprotocols of a gateway WebSocket (there are no custom headers in browsers). */
export function gatewayProtocols(
  config: ResolvedClientConfig,
  options: { encoding: Encoding; params?: unknown; skipReadyWait?: boolean; extra?: readonly string[] },
): string[] {
  const protocols = [WS_PROTOCOL_STANDARD, `${WS_PROTOCOL_ENCODING}${options.encoding}`];
  if (config.token !== undefined) protocols.push(`${WS_PROTOCOL_TOKEN}${config.token}`);
  if (options.skipReadyWait === true) protocols.push(WS_PROTOCOL_SKIP_READY_WAIT);
  if (options.params !== undefined && options.params !== null) {
    protocols.push(`${WS_PROTOCOL_CONN_PARAMS}${encodeURIComponent(JSON.stringify(options.params))}`);
  }
  for (const p of options.extra ?? []) protocols.push(p);
  return protocols;
}

/** Base64url without padding, as the gateway expects `rvt-input`. */
export function base64Url(bytes: Uint8Array): string {
  return base64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Standard base64, without Node's Buffer so the browser build has no Node import. */
export function base64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
