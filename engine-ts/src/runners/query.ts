import type { IncomingMessage } from "node:http";
import { runner } from "@actorwire/protocol";
import { RunnerWsError } from "./errors.js";

/** The path Rivet's runner connects to. */
export const RUNNER_CONNECT_PATH = "/runners/connect";
/** A subprotocol that routes any path to the runner endpoint, as on Rivet's guard. */
export const RUNNER_TARGET_SUBPROTOCOL = "rivet_target.runner";
/** The subprotocol the engine always answers with; Node `ws` clients need one selected. */
export const RIVET_SUBPROTOCOL = "rivet";

/** What a runner says about itself in the connect URL. */
export interface ConnectQuery {
  readonly protocolVersion: number;
  readonly namespace: string;
  readonly runnerKey: string;
}

/** The subprotocols a WebSocket upgrade request offers. */
export function offeredSubprotocols(req: IncomingMessage): string[] {
  const header = req.headers["sec-websocket-protocol"];
  if (header === undefined) return [];
  return header
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/**
 * Whether an upgrade request is meant for the runner endpoint: the `/runners/connect` path,
 * or any path with the `rivet_target.runner` subprotocol or the `x-rivet-target: runner`
 * header, which is how Rivet's guard routes runners that share a port with the gateway.
 */
export function isRunnerUpgrade(req: IncomingMessage): boolean {
  const path = (req.url ?? "/").split("?", 1)[0];
  if (path === RUNNER_CONNECT_PATH || path === `${RUNNER_CONNECT_PATH}/`) return true;
  if (req.headers["x-rivet-target"] === "runner") return true;
  return offeredSubprotocols(req).includes(RUNNER_TARGET_SUBPROTOCOL);
}

/**
 * Reads `protocol_version`, `namespace` and `runner_key`. A missing or unparsable value is
 * `ws.invalid_url`; a well-formed version that we do not speak is `ws.invalid_packet`, which
 * is what Rivet's engine answers to `protocol_version=9`.
 */
export function parseConnectQuery(url: string | undefined): ConnectQuery {
  let params: URLSearchParams;
  try {
    params = new URL(url ?? "/", "http://engine").searchParams;
  } catch (cause) {
    throw new RunnerWsError("ws.invalid_url", "the connect URL does not parse", undefined, { cause });
  }
  const versionText = params.get("protocol_version");
  const namespace = params.get("namespace");
  const runnerKey = params.get("runner_key");
  if (versionText === null) throw new RunnerWsError("ws.invalid_url", "missing query parameter protocol_version");
  if (!/^\d{1,5}$/.test(versionText) || Number(versionText) > 0xffff) {
    throw new RunnerWsError("ws.invalid_url", `protocol_version must be a u16, got "${versionText.slice(0, 32)}"`);
  }
  if (namespace === null || namespace === "") throw new RunnerWsError("ws.invalid_url", "missing query parameter namespace");
  if (runnerKey === null || runnerKey === "") throw new RunnerWsError("ws.invalid_url", "missing query parameter runner_key");
  const protocolVersion = Number(versionText);
  if (!(runner.VERSIONS as readonly number[]).includes(protocolVersion)) {
    throw new RunnerWsError(
      "ws.invalid_packet",
      `invalid version: runner protocol v${protocolVersion} is not supported (supported: ${runner.VERSIONS.join(", ")})`,
    );
  }
  return { protocolVersion, namespace, runnerKey };
}
