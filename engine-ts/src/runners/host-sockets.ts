/**
 * What the runner endpoint (`/runners/connect`) and the envoy endpoint (`/envoys/connect`) do
 * alike with the sockets of the hosts that connect to them: take an upgrade (refusing it
 * without the admin token), hand the WebSocket to a session, and on shutdown close every
 * session with a reason and cut off those that do not close in time. The two protocols differ
 * in everything after the upgrade, which stays in each endpoint's session.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { offeredSubprotocols, subprotocolValue, WS_PROTOCOL_TOKEN } from "@actorwire/protocol";
import type { Logger } from "pino";
import type { WebSocketServer } from "ws";
import { tokenMatches } from "../auth.js";
import { newRayId } from "./ids.js";
import type { RunnerSocket } from "./socket.js";

/** The part of a session the shutdown needs. */
export interface ClosableSession<E> {
  /** Closes the socket with a reason. */
  fail(error: E): void;
  /** Drops the socket without a close frame. */
  terminate(): void;
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;
}

/**
 * Takes an upgrade for a host endpoint: errors on the raw socket are logged (before `ws` owns
 * it they would reach the process), a missing or wrong admin token is answered with Rivet's
 * HTTP refusal, and otherwise the WebSocket (with its TCP socket for write batching) and a
 * fresh ray ID go to `start`.
 */
export function acceptHostUpgrade(p: {
  readonly kind: "runner" | "envoy";
  readonly wss: WebSocketServer;
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly adminToken: string | undefined;
  readonly log: Logger;
  readonly start: (ws: RunnerSocket, rayId: string) => void;
}): void {
  p.socket.on("error", (err) => p.log.debug({ err }, `${p.kind} upgrade socket error`));
  if (p.adminToken !== undefined) {
    const refused = refuseUpgradeWithoutToken(p.req, p.socket, p.adminToken);
    if (refused !== undefined) {
      p.log.info(refused, `${p.kind} refused: token`);
      return;
    }
  }
  p.wss.handleUpgrade(p.req, p.socket, p.head, (ws) => {
    (ws as RunnerSocket).transport = p.socket;
    p.start(ws as RunnerSocket, newRayId());
  });
}

/**
 * Closes every session with `goingAway` and waits for them to close, terminating those that
 * take longer than `timeoutMs`, then closes the WebSocket server.
 */
export async function closeHostSessions<E>(
  sessions: ReadonlySet<ClosableSession<E>>,
  goingAway: () => E,
  timeoutMs: number,
  wss: WebSocketServer,
): Promise<void> {
  const closing = [...sessions];
  for (const session of closing) session.fail(goingAway());
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const result = await Promise.race([Promise.all(closing.map((s) => s.closed)), timedOut]);
  clearTimeout(timer);
  if (result === "timeout") {
    for (const session of sessions) session.terminate();
    await Promise.all(closing.map((s) => s.closed));
  }
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}

/**
 * Answers an upgrade that lacks the right `rivet_token.` subprotocol with Rivet's HTTP refusal
 * (401 `auth.missing_token`, 403 `auth.invalid_token`) and returns what it answered; returns
 * undefined, writing nothing, when the token is right.
 */
export function refuseUpgradeWithoutToken(
  req: IncomingMessage,
  socket: Duplex,
  adminToken: string,
): { status: number; code: string } | undefined {
  const refusal = tokenRefusal(req, adminToken);
  if (refusal === undefined) return undefined;
  const body = JSON.stringify(refusal.body);
  socket.end(
    `HTTP/1.1 ${refusal.status} ${refusal.status === 401 ? "Unauthorized" : "Forbidden"}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  return { status: refusal.status, code: refusal.body.code };
}

/** The HTTP refusal for a host upgrade without the right `rivet_token.` subprotocol. */
function tokenRefusal(
  req: IncomingMessage,
  adminToken: string,
): { status: 401 | 403; body: { group: string; code: string; message: string; metadata: null } } | undefined {
  const token = subprotocolValue(offeredSubprotocols(req.headers["sec-websocket-protocol"]), WS_PROTOCOL_TOKEN);
  if (token === undefined || token.length === 0) {
    return { status: 401, body: { group: "auth", code: "missing_token", message: "Offer the subprotocol rivet_token.<token>.", metadata: null } };
  }
  if (!tokenMatches(token, adminToken)) {
    return { status: 403, body: { group: "auth", code: "invalid_token", message: "The token is not valid for this engine.", metadata: null } };
  }
  return undefined;
}
