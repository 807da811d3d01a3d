/**
 * Why the engine closes a runner WebSocket. Each reason has a stable `group.code` string, the
 * same ones Rivet's engine uses (`engine/packages/pegboard-runner/src/errors.rs`), because
 * Rivet's runner reads them from the close reason: it shuts down for good on `ws.eviction`
 * and reconnects on anything else.
 */
import { ActorwireError } from "@actorwire/protocol";

/** WebSocket close code for a normal close (used for eviction). */
export const CLOSE_NORMAL = 1000;
/** WebSocket close code for an error on the server's side; every error close uses it. */
export const CLOSE_ERROR = 1011;
/** WebSocket close code for a frame larger than the endpoint accepts. */
export const CLOSE_TOO_BIG = 1009;

/** The `group.code` pairs the runner endpoint closes with. */
export type RunnerCloseCode =
  | "ws.invalid_url"
  | "ws.invalid_packet"
  | "ws.invalid_initial_packet"
  | "ws.timed_out_waiting_for_init"
  | "ws.eviction"
  | "ws.going_away"
  | "ws.ping_timed_out"
  | "ws.message_too_large"
  | "namespace.not_found"
  | "core.internal_error";

/** Options of {@link RunnerWsError}. */
export interface RunnerWsErrorOptions {
  /** The WebSocket close code: 1011 (the default) for errors, 1000 for eviction, 1009 for oversized frames. */
  closeCode?: number;
  cause?: unknown;
}

/**
 * A reason to close one runner connection. It never escapes the connection it concerns: the
 * endpoint turns it into a close frame `<group>.<code>#<ray_id>` and a log line.
 */
export class RunnerWsError extends ActorwireError<RunnerCloseCode> {
  override readonly name = "RunnerWsError";
  /** The WebSocket close code: 1011 for errors, 1000 for eviction, 1009 for oversized frames. */
  readonly closeCode: number;

  constructor(id: RunnerCloseCode, message: string, options: RunnerWsErrorOptions = {}) {
    super(id, message, options);
    this.closeCode = options.closeCode ?? CLOSE_ERROR;
  }

  /** The close frame's reason text for a connection with this ray ID. */
  reason(rayId: string): string {
    return closeReason(this.id, rayId);
  }
}

/**
 * The close reason Rivet's engine sends: `<group>.<code>#<ray_id>`. A close reason may hold
 * at most 123 bytes; ours are well under that because ray IDs are 36-character UUIDs.
 */
export function closeReason(id: RunnerCloseCode, rayId: string): string {
  return `${id}#${rayId}`;
}
