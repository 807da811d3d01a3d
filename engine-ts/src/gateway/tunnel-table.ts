import { idHex, type runner } from "@actorwire/protocol";
import { randomId4 } from "./tunnel-ids.js";
import type { TunnelEntry } from "./tunnel.js";
import { TunnelWebSocket } from "./websocket.js";

/**
 * The gateway's requests and WebSockets in flight, by tunnel key, under the gateway's one
 * random 4-byte gateway ID. The gateway adds and removes the entries; the actor lifecycle
 * reads an actor's hibernating WebSockets from it for the actor's next start command. The
 * engine builds the table first and hands it to both, which is how it wires the two without
 * a late binding: the gateway waits on the lifecycle, and the lifecycle lists the gateway's
 * sockets.
 *
 * @internal Not part of the package's API.
 */
export class TunnelTable {
  /** The gateway ID, the first part of every tunnel message ID the gateway sends. */
  readonly gatewayId: ArrayBuffer = randomId4();
  readonly gatewayIdText: string = idHex(this.gatewayId);
  /** Entries by `TunnelEntry.key`; only the gateway changes them. */
  readonly entries = new Map<string, TunnelEntry>();

  /**
   * The hibernating WebSockets of an actor: what the next `CommandStartActor` for it must list
   * in `hibernatingRequests`, so that the runner restores them.
   */
  hibernatingRequests(actorId: string): runner.v7.HibernatingRequest[] {
    const out: runner.v7.HibernatingRequest[] = [];
    for (const entry of this.entries.values()) {
      if (entry instanceof TunnelWebSocket && entry.actorId === actorId && entry.hibernating) {
        out.push({ gatewayId: this.gatewayId.slice(0), requestId: entry.requestId.slice(0) });
      }
    }
    return out;
  }
}
