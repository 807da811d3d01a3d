import type { Corkable } from "@actorwire/protocol/internal";
import { WebSocket } from "ws";
import { CLOSE_TOO_BIG, closeReason } from "./errors.js";

/**
 * The server-side socket class for runner connections. `ws` closes a socket by itself when a
 * frame breaks the WebSocket protocol or exceeds `maxPayload`, with a close code but no
 * reason. Rivet's runner parses the reason to decide what to do, and a person reading a log
 * wants to know what happened, so this fills in our `<group>.<code>#<ray_id>` form.
 */
export class RunnerSocket extends WebSocket {
  /** Set by the endpoint as soon as the socket is accepted. */
  rayId = "";
  /**
   * The TCP socket under this WebSocket, set by the endpoint when the upgrade completes, so
   * that the connection can batch its frames per event-loop turn (`batchWritesThisTurn`).
   */
  transport: Corkable | undefined;

  override close(code?: number, data?: string | Buffer): void {
    if (code !== undefined && data === undefined && this.rayId !== "") {
      super.close(code, closeReason(code === CLOSE_TOO_BIG ? "ws.message_too_large" : "ws.invalid_packet", this.rayId));
      return;
    }
    super.close(code, data);
  }
}
