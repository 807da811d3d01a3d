import { envoy } from "@actorwire/protocol";
import { WebSocket } from "ws";

type ToEnvoy = envoy.v8.ToEnvoy;
type ToEnvoyTag = ToEnvoy["tag"];
type ToRivet = envoy.v8.ToRivet;

/** The payload of each engine-to-envoy message, by tag. */
export type ToEnvoyVal = { [M in ToEnvoy as M["tag"]]: M["val"] };

/** The connect URL's query of a {@link ScriptedEnvoy}; every field has a valid default. */
export interface ScriptedEnvoyQuery {
  /** `protocol_version` (default 8); frames are read and written at this version. */
  readonly protocolVersion?: number;
  readonly namespace?: string;
  /** `pool_name` (default `"default"`). */
  readonly poolName?: string;
  /** `envoy_key` (default: a random UUID, as rivetkit sends). */
  readonly envoyKey?: string;
  /** `version`, the app's version (default 1). */
  readonly version?: number;
  /** Query parameters to set as given, or to leave out (null), after the ones above; for bad-input tests. */
  readonly raw?: Readonly<Record<string, string | null>>;
}

/** How {@link ScriptedEnvoy.connect} connects. */
export interface ScriptedEnvoyOptions extends ScriptedEnvoyQuery {
  /** Offered as `rivet_token.<token>` beside `rivet`. */
  readonly token?: string;
  /** Answer the engine's pings (default true); false lets a test make the envoy look dead. */
  readonly pong?: boolean;
}

/** How the socket closed. */
export interface EnvoyClose {
  readonly code: number;
  readonly reason: string;
}

/**
 * A raw envoy built on `@actorwire/protocol`'s envoy codecs, for tests of an engine's
 * `/envoys/connect` at any version (the same against actorwire's engine and Rivet's): it
 * answers pings unless told not to, records every message the engine sends in order, and lets
 * a test send any message, or any bytes, on cue.
 */
export class ScriptedEnvoy {
  /** Every message received, decoded at the connection's version and read as v8, in order. */
  readonly received: ToEnvoy[] = [];
  /** Resolves with the close code and reason once the socket has closed. */
  readonly closed: Promise<EnvoyClose>;
  /** Frames that did not decode (the engine sent something this version cannot read). */
  readonly undecodable: Uint8Array[] = [];
  private waiters: { tag: ToEnvoyTag; after: number; resolve: (m: ToEnvoy) => void }[] = [];
  private closeInfo: EnvoyClose | undefined;

  private constructor(
    readonly ws: WebSocket,
    readonly protocolVersion: number,
    private readonly pong: boolean,
  ) {
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      });
    });
    ws.on("message", (data, isBinary) => {
      if (!isBinary) return;
      const bytes = new Uint8Array(data as Buffer);
      let message: ToEnvoy;
      try {
        message = envoy.versioned.ToEnvoy.decode(bytes, protocolVersion);
      } catch {
        this.undecodable.push(bytes);
        return;
      }
      this.received.push(message);
      if (message.tag === "ToEnvoyPing" && this.pong) this.send({ tag: "ToRivetPong", val: { ts: message.val.ts } });
      for (const waiter of [...this.waiters]) {
        const found = this.find(waiter.tag, waiter.after);
        if (found !== undefined) {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          waiter.resolve(found);
        }
      }
    });
  }

  /** The connect URL for `base` (`http://host:port`) with this query. */
  static url(base: string, query: ScriptedEnvoyQuery = {}): string {
    const params = new URLSearchParams({
      protocol_version: String(query.protocolVersion ?? envoy.LATEST_VERSION),
      namespace: query.namespace ?? "default",
      envoy_key: query.envoyKey ?? crypto.randomUUID(),
      version: String(query.version ?? 1),
      pool_name: query.poolName ?? "default",
    });
    for (const [name, value] of Object.entries(query.raw ?? {})) {
      if (value === null) params.delete(name);
      else params.set(name, value);
    }
    return `${base.replace(/^http/, "ws")}/envoys/connect?${params.toString()}`;
  }

  /**
   * Opens the socket and resolves once the upgrade completed (the engine may still close it
   * right away: await {@link closed} or {@link next}). Rejects when the upgrade is refused.
   */
  static async connect(base: string, options: ScriptedEnvoyOptions = {}): Promise<ScriptedEnvoy> {
    const protocols = ["rivet", ...(options.token !== undefined ? [`rivet_token.${options.token}`] : [])];
    const ws = new WebSocket(ScriptedEnvoy.url(base, options), protocols);
    ws.binaryType = "nodebuffer";
    // The first message may arrive in the same turn as the upgrade, so listen before awaiting it.
    const peer = new ScriptedEnvoy(ws, options.protocolVersion ?? envoy.LATEST_VERSION, options.pong ?? true);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    ws.on("error", () => {});
    return peer;
  }

  /** Whether the socket is still open. */
  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** The first message with this tag received after the first `after` messages, waiting for it. */
  next<T extends ToEnvoyTag>(tag: T, after = 0): Promise<Extract<ToEnvoy, { tag: T }>> {
    const found = this.find(tag, after);
    if (found !== undefined) return Promise.resolve(found as Extract<ToEnvoy, { tag: T }>);
    if (this.closeInfo !== undefined) return Promise.reject(new Error(`closed (${this.closeInfo.code} ${this.closeInfo.reason}) before ${tag}`));
    return new Promise((resolve, reject) => {
      this.waiters.push({ tag, after, resolve: resolve as (m: ToEnvoy) => void });
      void this.closed.then((info) => reject(new Error(`closed (${info.code} ${info.reason}) before ${tag}`)));
    });
  }

  /** Sends one message, written at the connection's version. */
  send(message: ToRivet): void {
    this.ws.send(envoy.versioned.ToRivet.encode(message, this.protocolVersion), { binary: true });
  }

  /** Sends `ToRivetMetadata` with these actor names (metadata as JSON text) and envoy metadata. */
  metadata(actorNames: Readonly<Record<string, string>>, metadata: string | null = null): void {
    const names = new Map(Object.entries(actorNames).map(([name, json]) => [name, { metadata: json }]));
    this.send({ tag: "ToRivetMetadata", val: { prepopulateActorNames: names, metadata } });
  }

  /** Sends bytes or text as they are, for tests of frames the engine must ignore. */
  sendRaw(data: Uint8Array | string): void {
    this.ws.send(data, { binary: typeof data !== "string" });
  }

  /** Closes the socket and waits until it is closed. */
  async close(): Promise<EnvoyClose> {
    if (this.closeInfo === undefined) this.ws.close(1000);
    return await this.closed;
  }

  private find(tag: ToEnvoyTag, after: number): ToEnvoy | undefined {
    return this.received.slice(after).find((m) => m.tag === tag);
  }
}
