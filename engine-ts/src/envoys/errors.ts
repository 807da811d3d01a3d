/**
 * Why the engine closes an envoy WebSocket. Each reason has the stable `group.code` string
 * Rivet's envoy endpoint uses (`engine/packages/pegboard-envoy`), measured against Rivet's
 * 2.3.19 engine, because an envoy reads the close reason to decide whether to reconnect.
 */
import { ActorwireError } from "@actorwire/protocol";

/** WebSocket close code for a normal close (eviction). */
export const CLOSE_NORMAL = 1000;
/** WebSocket close code for every error close. */
export const CLOSE_ERROR = 1011;

/** The `group.code` pairs the envoy endpoint closes with. */
export type EnvoyCloseCode =
  | "ws.invalid_request"
  | "ws.no_runner_config"
  | "ws.timed_out"
  | "ws.eviction"
  | "ws.going_away"
  | "namespace.not_found"
  | "core.internal_error";

/** Options of {@link EnvoyWsError}. */
export interface EnvoyWsErrorOptions {
  /** The WebSocket close code: 1011 (the default) for errors, 1000 for eviction. */
  closeCode?: number;
  cause?: unknown;
}

/**
 * A reason to close one envoy connection. It never escapes the connection it concerns: the
 * session turns it into a close frame `<group>.<code>#<ray_id>` and a log line.
 */
export class EnvoyWsError extends ActorwireError<EnvoyCloseCode> {
  override readonly name = "EnvoyWsError";
  readonly closeCode: number;

  constructor(id: EnvoyCloseCode, message: string, options: EnvoyWsErrorOptions = {}) {
    super(id, message, options);
    this.closeCode = options.closeCode ?? CLOSE_ERROR;
  }

  /** The close frame's reason text for a connection with this ray ID. */
  reason(rayId: string): string {
    return `${this.id}#${rayId}`;
  }
}
