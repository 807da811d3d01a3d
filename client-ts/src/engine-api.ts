/**
 * The engine's public HTTP API, the part a client needs: find an actor by name and key,
 * get-or-create it, create it, look it up by ID and destroy it. Bodies are JSON in
 * snake_case; errors are `{group, code, message, metadata}` JSON.
 */
import { RemoteActorError } from "./actor-error.js";
import { serializeActorKey } from "@actorwire/protocol";
import type { ResolvedClientConfig } from "./config.js";
import { ClientHttpError, ClientProtocolError } from "./errors.js";
import { base64 } from "./gateway.js";
import type { HttpTransport } from "./transport.js";

/** An actor as the API reports it (the fields the client uses). */
export interface ApiActor {
  readonly actor_id: string;
  readonly name: string;
  readonly key: string | null;
  readonly namespace_id?: string;
  readonly runner_name_selector?: string;
  readonly create_ts?: number;
  readonly destroy_ts?: number | null;
  readonly error?: unknown;
}

/** What get-or-create and create need. */
export interface CreateActorRequest {
  readonly name: string;
  readonly key: readonly string[];
  /** CBOR of the creation input. */
  readonly input?: Uint8Array;
  readonly region?: string;
  readonly poolName?: string;
  readonly crashPolicy?: "restart" | "sleep" | "destroy";
}

/** A thin client of the engine API bound to one configuration. */
export class EngineApi {
  constructor(
    private readonly config: () => ResolvedClientConfig,
    private readonly before: () => Promise<void>,
    private readonly http: HttpTransport,
  ) {}

  /** The actor named `name` with key `key`, or undefined when there is none. */
  async getWithKey(name: string, key: readonly string[], signal?: AbortSignal): Promise<ApiActor | undefined> {
    const res = await this.call<{ actors: ApiActor[] }>(
      "GET",
      `/actors?name=${encodeURIComponent(name)}&key=${encodeURIComponent(serializeActorKey(key))}`,
      undefined,
      signal,
    );
    return res.actors.find((a) => a.destroy_ts === null || a.destroy_ts === undefined);
  }

  /** The actor with ID `actorId`, or undefined when there is none (or it was destroyed). */
  async getForId(actorId: string, signal?: AbortSignal): Promise<ApiActor | undefined> {
    const res = await this.call<{ actors: ApiActor[] }>("GET", `/actors?actor_ids=${encodeURIComponent(actorId)}`, undefined, signal);
    return res.actors.find((a) => a.actor_id === actorId && (a.destroy_ts === null || a.destroy_ts === undefined));
  }

  /** `PUT /actors`: the existing actor for the key, or a new one. */
  async getOrCreate(req: CreateActorRequest, signal?: AbortSignal): Promise<{ actor: ApiActor; created: boolean }> {
    return await this.call("PUT", "/actors", this.body(req), signal);
  }

  /** `POST /actors`: always a new actor (fails when the key is taken). */
  async create(req: CreateActorRequest, signal?: AbortSignal): Promise<{ actor: ApiActor }> {
    return await this.call("POST", "/actors", this.body(req), signal);
  }

  /** `DELETE /actors/{id}`. */
  async destroy(actorId: string, signal?: AbortSignal): Promise<void> {
    await this.call("DELETE", `/actors/${encodeURIComponent(actorId)}`, undefined, signal);
  }

  private body(req: CreateActorRequest): Record<string, unknown> {
    const config = this.config();
    return {
      name: req.name,
      key: serializeActorKey(req.key),
      input: req.input === undefined ? null : base64(req.input),
      runner_name_selector: req.poolName ?? config.poolName,
      crash_policy: req.crashPolicy ?? "sleep",
      ...(req.region === undefined ? {} : { datacenter: req.region }),
    };
  }

  /**
   * GET and PUT (get-or-create) are idempotent, so an engine hiccup (a 5xx, as Rivet's engine
   * answers when an internal step times out under load) is retried a few times; POST is not.
   */
  private async call<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const attempts = method === "GET" || method === "PUT" ? 3 : 1;
    for (let attempt = 1; ; attempt++) {
      const result = await this.callOnce<T>(method, path, body, signal);
      if (result.ok) return result.value;
      if (attempt >= attempts || result.status < 500 || signal?.aborted === true) throw result.error;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }

  private async callOnce<T>(
    method: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<{ ok: true; value: T } | { ok: false; status: number; error: Error }> {
    await this.before();
    const config = this.config();
    const url = new URL(`${config.endpoint}${path}`);
    url.searchParams.set("namespace", config.namespace);
    const headers = new Headers(config.headers);
    if (config.token !== undefined) headers.set("authorization", `Bearer ${config.token}`);
    if (body !== undefined) headers.set("content-type", "application/json");
    const response = await this.http.send(
      url.toString(),
      { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) },
      signal,
    );
    const text = new TextDecoder().decode(response.body);
    let parsed: unknown;
    try {
      parsed = text === "" ? {} : JSON.parse(text);
    } catch (err) {
      if (!response.ok) {
        return { ok: false, status: response.status, error: new ClientHttpError(`engine API ${method} ${path}: HTTP ${response.status}: ${text.slice(0, 500)}`, { status: response.status }) };
      }
      throw new ClientProtocolError(`engine API ${method} ${path} answered invalid JSON`, { cause: err });
    }
    if (!response.ok) {
      const e = parsed as { group?: unknown; code?: unknown; message?: unknown; metadata?: unknown };
      if (typeof e.group === "string" && typeof e.code === "string") {
        const error = RemoteActorError.fromWire(
          { group: e.group, code: e.code, message: typeof e.message === "string" ? e.message : `${e.group}.${e.code}`, metadata: e.metadata ?? undefined },
          { rayId: response.headers.get("x-rivet-ray-id") ?? undefined },
        );
        return { ok: false, status: response.status, error };
      }
      return { ok: false, status: response.status, error: new ClientHttpError(`engine API ${method} ${path}: HTTP ${response.status}: ${text.slice(0, 500)}`, { status: response.status }) };
    }
    return { ok: true, value: parsed as T };
  }
}
