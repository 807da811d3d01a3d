import type { IncomingMessage } from "node:http";
import { HEADER_TARGET, offeredSubprotocols, runner, WS_PROTOCOL_STANDARD, WS_PROTOCOL_TARGET_RUNNER } from "@actorwire/protocol";
import { RunnerWsError } from "./errors.js";

/** The path Rivet's runner connects to. */
export const RUNNER_CONNECT_PATH = "/runners/connect";
/** The subprotocol the engine always answers with; Node `ws` clients need one selected. */
export const RIVET_SUBPROTOCOL = WS_PROTOCOL_STANDARD;

/** What a runner says about itself in the connect URL. */
export interface ConnectQuery {
  readonly protocolVersion: number;
  readonly namespace: string;
  readonly runnerKey: string;
}

/**
 * Whether an upgrade request is meant for the runner endpoint: the `/runners/connect` path,
 * or any path with the `rivet_target.runner` subprotocol or the `x-rivet-target: runner`
 * header, which is how Rivet's guard routes runners that share a port with the gateway.
 */
export function isRunnerUpgrade(req: IncomingMessage): boolean {
  const path = (req.url ?? "/").split("?", 1)[0];
  if (path === RUNNER_CONNECT_PATH || path === `${RUNNER_CONNECT_PATH}/`) return true;
  if (req.headers[HEADER_TARGET] === "runner") return true;
  return offeredSubprotocols(req.headers["sec-websocket-protocol"]).includes(WS_PROTOCOL_TARGET_RUNNER);
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
    throw new RunnerWsError("ws.invalid_url", "the connect URL does not parse", { cause });
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
