/**
 * The engine's public HTTP API as the engine suite calls it: plain `fetch`, every answer
 * returned with its status and parsed body so that cases can check error shapes as well as
 * successes. Rivet's API takes snake_case JSON and a `namespace` query parameter on every route.
 */

/** An answer of the API. */
export interface ApiAnswer<T = any> {
  readonly status: number;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  readonly body: T;
  readonly text: string;
}

/** An actor as the API describes it. */
export interface ApiActor {
  actor_id: string;
  name: string;
  key: string | null;
  runner_name_selector?: string;
  crash_policy?: string;
  create_ts?: number;
  destroy_ts?: number | null;
  sleep_ts?: number | null;
  connectable_ts?: number | null;
  [field: string]: unknown;
}

/** The body of `POST /actors` and `PUT /actors`. */
export interface ActorCreateBody {
  name: string;
  key?: string | null;
  input?: string | null;
  runner_name_selector: string;
  crash_policy: "restart" | "sleep" | "destroy";
}

/** Calls one engine's public API in one namespace. */
export class EngineApi {
  constructor(
    readonly endpoint: string,
    readonly namespace: string,
    private readonly token: string | undefined,
  ) {}

  /** Any request; `path` may carry its own query, `namespace` is added. */
  async request<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; query?: Record<string, string | string[]>; headers?: Record<string, string>; noNamespace?: boolean } = {},
  ): Promise<ApiAnswer<T>> {
    const url = new URL(path, this.endpoint);
    if (options.noNamespace !== true) url.searchParams.set("namespace", this.namespace);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, v);
    }
    const headers: Record<string, string> = { ...(this.token !== undefined ? { authorization: `Bearer ${this.token}` } : {}), ...options.headers };
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && headers["content-type"] === undefined) headers["content-type"] = "application/json";
    const response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: cases that care check `text`.
    }
    return { status: response.status, body: parsed as T, text };
  }

  namespaces(): Promise<ApiAnswer<{ namespaces: { name: string; namespace_id?: string }[] }>> {
    // Rivet's API refuses a `namespace` parameter on this route (unknown query fields are errors).
    return this.request("GET", "/namespaces", { noNamespace: true });
  }

  create(body: ActorCreateBody): Promise<ApiAnswer<{ actor: ApiActor }>> {
    return this.request("POST", "/actors", { body });
  }

  getOrCreate(body: ActorCreateBody): Promise<ApiAnswer<{ actor: ApiActor; created: boolean }>> {
    return this.request("PUT", "/actors", { body });
  }

  list(query: Record<string, string | string[]>): Promise<ApiAnswer<{ actors: ApiActor[] }>> {
    return this.request("GET", "/actors", { query });
  }

  destroy(actorId: string): Promise<ApiAnswer> {
    return this.request("DELETE", `/actors/${encodeURIComponent(actorId)}`);
  }

  runners(runnerName?: string): Promise<ApiAnswer<{ runners: { runner_id: string; name: string; [field: string]: unknown }[] }>> {
    return this.request("GET", "/runners", runnerName !== undefined ? { query: { name: runnerName } } : {});
  }

  /** The actor with this ID, or undefined when the API does not list it. */
  async actor(actorId: string): Promise<ApiActor | undefined> {
    const answer = await this.list({ actor_ids: actorId });
    if (answer.status !== 200) throw new Error(`GET /actors?actor_ids=${actorId} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    return answer.body.actors.find((a) => a.actor_id === actorId);
  }
}
