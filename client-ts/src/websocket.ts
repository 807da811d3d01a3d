/**
 * The WebSocket constructor: the standard global one in browsers, Deno, Bun and Node 22+;
 * in Node 20 the `ws` package, loaded with a dynamic import only when the global is missing
 * so that browser bundles never pull it in.
 */

/** The standard WebSocket constructor type (`ws` is compatible enough for the client's use). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

let cached: Promise<WebSocketConstructor> | undefined;

/** Resolves the WebSocket implementation once per process. */
export function importWebSocket(): Promise<WebSocketConstructor> {
  cached ??= (async () => {
    const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (global !== undefined) return global;
    // A computed specifier keeps bundlers from resolving `ws` for browser builds.
    const specifier = "ws";
    const mod = (await import(/* @vite-ignore */ specifier)) as { default?: unknown; WebSocket?: unknown };
    const ctor = (mod.WebSocket ?? mod.default) as WebSocketConstructor | undefined;
    if (ctor === undefined) throw new Error("no global WebSocket and the ws package did not load");
    return ctor;
  })();
  return cached;
}
