/**
 * Bounds on what the gateway holds for clients that do not read. The runner protocol has no
 * back-pressure from the gateway to the runner, so every byte an actor sends to a client
 * that stopped reading waits in the engine's memory. Each client WebSocket and each streamed
 * HTTP response is a {@link OutgoingSink}; after every write the gateway checks it against a
 * per-connection bound and all of them together against a total bound, and ends the one
 * over its bound (for the total, the one holding the most).
 */

/** Which bound a sink went over, and by how much. */
export interface OutgoingOverflow {
  /** `connection`: this sink alone; `total`: every sink of the gateway together. */
  readonly scope: "connection" | "total";
  /** The bytes this sink holds that the client has not read. */
  readonly buffered: number;
  /** For `total`: the bytes every sink holds together. */
  readonly totalBuffered: number;
  /** The bound that was passed, in bytes. */
  readonly limit: number;
}

/** One client connection the gateway writes to. */
export interface OutgoingSink {
  /** The bytes written to the client and not yet taken by it (the socket's buffer included). */
  buffered(): number;
  /** The sink is over a bound: end it now. It is forgotten by the budget. */
  overflow(overflow: OutgoingOverflow): void;
}

/** The per-connection and total bounds, shared by every sink of one gateway. */
export class OutgoingBudget {
  /** Sinks that held unsent bytes at their last write; the only ones the total can exceed with. */
  private readonly backlog = new Set<OutgoingSink>();

  constructor(
    private readonly perConnection: number,
    private readonly total: number,
  ) {}

  /** Checks a sink right after a write to it. */
  wrote(sink: OutgoingSink): void {
    const own = sink.buffered();
    if (own > this.perConnection) {
      this.backlog.delete(sink);
      sink.overflow({ scope: "connection", buffered: own, totalBuffered: own, limit: this.perConnection });
      return;
    }
    if (own > 0) this.backlog.add(sink);
    else this.backlog.delete(sink);
    let sum = 0;
    let worst: OutgoingSink | undefined;
    let worstBytes = 0;
    for (const s of this.backlog) {
      const bytes = s.buffered();
      if (bytes === 0) {
        this.backlog.delete(s);
        continue;
      }
      sum += bytes;
      if (bytes > worstBytes) {
        worst = s;
        worstBytes = bytes;
      }
    }
    if (sum > this.total && worst !== undefined) {
      this.backlog.delete(worst);
      worst.overflow({ scope: "total", buffered: worstBytes, totalBuffered: sum, limit: this.total });
    }
  }

  /** The sink ended. */
  forget(sink: OutgoingSink): void {
    this.backlog.delete(sink);
  }
}

/** The close reason (at most 123 bytes) and log text of an overflow. */
export function overflowText(overflow: OutgoingOverflow): string {
  return overflow.scope === "connection"
    ? `${overflow.buffered} bytes unread by the client, limit ${overflow.limit} per connection`
    : `${overflow.totalBuffered} bytes unread by all clients, limit ${overflow.limit} in total`;
}
