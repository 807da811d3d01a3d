/**
 * What handles and connections share within one client: the resolved configuration, the
 * engine API, the HTTP transport of stateless calls, the WebSocket implementation, and the
 * set of open sockets and connections that `client.dispose()` closes.
 */
import type { ResolvedClientConfig } from "./config.js";
import type { ActorConnRaw } from "./connection.js";
import { EngineApi } from "./engine-api.js";
import { ClientDisposedError } from "./errors.js";
import { ActorHandleRaw } from "./handle.js";
import { withActionMethods } from "./proxy.js";
import type { ActorResolver } from "./resolver.js";
import type { HttpTransport } from "./transport.js";
import { createTransport } from "#transport";
import { type WebSocketConstructor, importWebSocket } from "./websocket.js";

/** @internal Shared state of one client. */
export class ClientContext {
  readonly api: EngineApi;
  private disposed = false;
  private readonly conns = new Set<ActorConnRaw>();
  private readonly sockets = new Set<WebSocket>();
  private metadata: Promise<void> | undefined;

  /**
   * `http` sends stateless calls: by default this platform's transport (an undici keep-alive
   * pool under Node, `fetch` elsewhere); the bench passes `fetchTransport` to compare the two.
   * `dispose` closes it.
   */
  constructor(
    private current: ResolvedClientConfig,
    readonly http: HttpTransport = createTransport(),
  ) {
    this.api = new EngineApi(
      () => this.current,
      () => this.lookupMetadata(),
      this.http,
    );
  }

  /** The configuration in effect (the metadata lookup may have replaced the endpoint). */
  get config(): ResolvedClientConfig {
    return this.current;
  }

  /** Throws once the client is disposed. */
  assertOpen(): void {
    if (this.disposed) throw new ClientDisposedError("the client was disposed");
  }

  /** The WebSocket constructor for this platform. */
  webSocket(): Promise<WebSocketConstructor> {
    return importWebSocket();
  }

  /** Remembers a raw socket so that `dispose` closes it. */
  track(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.addEventListener("close", () => this.sockets.delete(ws));
  }

  /** Starts a connection, remembers it, and gives it action methods. */
  wrapConn<C extends ActorConnRaw>(conn: C): C {
    this.conns.add(conn);
    conn.start();
    return withActionMethods(conn);
  }

  /** Forgets a disposed connection. */
  untrackConn(conn: ActorConnRaw): void {
    this.conns.delete(conn);
  }

  /** A stateless handle sharing `resolver` (used by `conn.send`). */
  handleFor(resolver: ActorResolver, params: unknown, getParams: (() => Promise<unknown>) | undefined): ActorHandleRaw {
    return new ActorHandleRaw(this, resolver, params, getParams, {});
  }

  /**
   * `GET {endpoint}/metadata`, once: a serverless app answers with the engine endpoint,
   * namespace and token clients should use instead (rivetkit's metadata discovery). An engine
   * answers without `clientEndpoint`, and an endpoint without the route is used as it is.
   */
  lookupMetadata(): Promise<void> {
    if (this.current.disableMetadataLookup) return Promise.resolve();
    this.metadata ??= (async () => {
      try {
        const headers = new Headers(this.current.headers);
        if (this.current.token !== undefined) headers.set("authorization", `Bearer ${this.current.token}`);
        const res = await this.http.send(`${this.current.endpoint}/metadata`, { method: "GET", headers });
        if (!res.ok) return;
        const body = JSON.parse(new TextDecoder().decode(res.body)) as { clientEndpoint?: unknown; clientNamespace?: unknown; clientToken?: unknown };
        if (typeof body.clientEndpoint === "string" && body.clientEndpoint !== "") {
          this.current = {
            ...this.current,
            endpoint: body.clientEndpoint.replace(/\/+$/, ""),
            ...(typeof body.clientNamespace === "string" ? { namespace: body.clientNamespace } : {}),
            ...(typeof body.clientToken === "string" ? { token: body.clientToken } : {}),
          };
        }
      } catch {
        // No metadata route (or not reachable yet): requests go to the endpoint as given.
      }
    })();
    return this.metadata;
  }

  /** Closes every connection and raw socket; later calls fail with `client.client_disposed`. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const conns = [...this.conns];
    this.conns.clear();
    for (const ws of this.sockets) {
      try {
        ws.close(1000, "client disposed");
      } catch {
        // A socket still connecting may refuse a close in some implementations.
      }
    }
    this.sockets.clear();
    this.http.close();
    await Promise.all(conns.map((c) => c.dispose()));
  }
}
