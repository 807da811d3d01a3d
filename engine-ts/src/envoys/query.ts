import type { IncomingMessage } from "node:http";
import { envoy } from "@actorwire/protocol";
import { MAX_RUNNER_CONFIG_NAME_BYTES } from "../catalog/runner-configs.js";
import { EnvoyWsError } from "./errors.js";

/** The path rivetkit's envoy connects to. */
export const ENVOY_CONNECT_PATH = "/envoys/connect";
/** The lowest and highest `protocol_version` Rivet's 2.3.19 engine accepts. */
export const MIN_ENVOY_PROTOCOL_VERSION = 2;
export const MAX_ENVOY_PROTOCOL_VERSION = 8;
/** Bounds of `envoy_key`, in characters, as Rivet checks it. */
export const MIN_ENVOY_KEY_LENGTH = 3;
export const MAX_ENVOY_KEY_LENGTH = 128;

/** What an envoy says about itself in the connect URL. */
export interface EnvoyConnectQuery {
  readonly protocolVersion: number;
  readonly namespace: string;
  readonly poolName: string;
  readonly envoyKey: string;
  /** The app's own version (`version`, a u32); Rivet uses it for `drain_on_version_upgrade`. */
  readonly version: number;
}

/** Whether an upgrade request is for the envoy endpoint: the `/envoys/connect` path only. */
export function isEnvoyUpgrade(req: IncomingMessage): boolean {
  const path = (req.url ?? "/").split("?", 1)[0];
  return path === ENVOY_CONNECT_PATH || path === `${ENVOY_CONNECT_PATH}/`;
}

const encoder = new TextEncoder();

function invalid(message: string): EnvoyWsError {
  return new EnvoyWsError("ws.invalid_request", message);
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === "") throw invalid(`missing query parameter ${name}`);
  return value;
}

/** Reads an unsigned decimal integer of at most `max`, or throws `ws.invalid_request`. */
function unsigned(params: URLSearchParams, name: string, max: number): number {
  const text = required(params, name);
  // Rivet answers an unparsable number with `core.internal_error`, which blames the engine for
  // the envoy's mistake; every other bad parameter is `ws.invalid_request`, so this one is too.
  if (!/^\d{1,10}$/.test(text) || Number(text) > max) {
    throw invalid(`${name} must be an integer from 0 to ${max}, got "${text.slice(0, 32)}"`);
  }
  return Number(text);
}

/**
 * Reads and checks the connect URL's query, as Rivet's envoy endpoint does: every failure is
 * `ws.invalid_request`. The namespace and the pool are looked up afterwards, by the session.
 */
export function parseEnvoyQuery(url: string | undefined): EnvoyConnectQuery {
  let params: URLSearchParams;
  try {
    params = new URL(url ?? "/", "http://engine").searchParams;
  } catch (cause) {
    throw new EnvoyWsError("ws.invalid_request", "the connect URL does not parse", { cause });
  }
  const protocolVersion = unsigned(params, "protocol_version", 0xffff);
  if (protocolVersion < MIN_ENVOY_PROTOCOL_VERSION || protocolVersion > MAX_ENVOY_PROTOCOL_VERSION) {
    throw invalid(
      `envoy protocol v${protocolVersion} is not supported (${MIN_ENVOY_PROTOCOL_VERSION} to ${MAX_ENVOY_PROTOCOL_VERSION})`,
    );
  }
  // Rivet's engine accepts v7, but no public artefact gives v7's layout (see
  // `schemas/envoy/README.md`), so we cannot read or write its frames. Guessing would corrupt
  // every tunnel and SQLite message, so a v7 envoy is refused with the reason Rivet gives
  // versions it does not speak, `ws.invalid_request`; rivetkit 2.3.19 asks for v8 anyway.
  if (!(envoy.VERSIONS as readonly number[]).includes(protocolVersion)) {
    throw invalid(
      `envoy protocol v${protocolVersion} is not supported by this engine: its layout is not published (supported: ${envoy.VERSIONS.filter((v) => v >= MIN_ENVOY_PROTOCOL_VERSION).join(", ")})`,
    );
  }
  const namespace = required(params, "namespace");
  const poolName = required(params, "pool_name");
  const poolBytes = encoder.encode(poolName).byteLength;
  if (poolBytes > MAX_RUNNER_CONFIG_NAME_BYTES) {
    throw invalid(`pool_name must be at most ${MAX_RUNNER_CONFIG_NAME_BYTES} bytes, it is ${poolBytes}`);
  }
  const envoyKey = required(params, "envoy_key");
  if (envoyKey.length < MIN_ENVOY_KEY_LENGTH || envoyKey.length > MAX_ENVOY_KEY_LENGTH) {
    throw invalid(`envoy_key must be ${MIN_ENVOY_KEY_LENGTH} to ${MAX_ENVOY_KEY_LENGTH} characters, it is ${envoyKey.length}`);
  }
  if (!/^[A-Za-z0-9_-]+$/.test(envoyKey)) {
    throw invalid("envoy_key may only contain letters, digits, '-' and '_'");
  }
  const version = unsigned(params, "version", 0xffff_ffff);
  return { protocolVersion, namespace, poolName, envoyKey, version };
}
