/**
 * Coalesces the frames written to one socket during an event-loop turn into one write.
 *
 * The runner protocol puts every message in its own WebSocket frame, and `ws` writes each
 * frame to the socket at once: one system call per frame. With many actors on one runner
 * connection, the frames of a turn (the KV answers of one group commit, the tunnel requests of
 * one poll phase) would each pay for their own call, and on loopback the receiver's network
 * processing is charged to that call too. Corking the socket on the turn's first frame and
 * uncorking it in the check phase (`setImmediate`) sends them as one `writev` instead, at
 * the cost of the few microseconds until the poll phase ends.
 *
 * Both ends of a runner connection (the engine and the runner) use it; it needs only a socket
 * with Node's `cork`/`uncork`, so the package stays free of Node imports.
 */

/** The part of a Node stream this needs. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

const corked = new WeakSet<Corkable>();

/**
 * Corks `socket` until the end of the current event-loop turn, unless it already is. Call it
 * before each write that may be followed by more in the same turn.
 */
export function batchWritesThisTurn(socket: Corkable): void {
  if (corked.has(socket)) return;
  corked.add(socket);
  socket.cork();
  setImmediate(() => {
    corked.delete(socket);
    // Uncorking a destroyed socket does nothing, so a socket closed in between needs no check.
    socket.uncork();
  });
}
