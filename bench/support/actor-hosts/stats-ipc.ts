/** The actor hosts' side of the bench's memory reading: RSS after a full collection, over IPC. */
export function serveStats(): void {
  process.on("message", (msg: { type?: string }) => {
    if (msg.type !== "stats") return;
    const gc = (globalThis as { gc?: () => void }).gc;
    // Two passes: the first can leave objects that only become garbage after finalizers ran.
    gc?.();
    gc?.();
    process.send?.({ type: "stats", rssBytes: process.memoryUsage().rss, heapUsedBytes: process.memoryUsage().heapUsed, gc: gc !== undefined });
  });
}
