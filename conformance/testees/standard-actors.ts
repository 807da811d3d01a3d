/**
 * The standard conformance actors (`fixtures/conformance-actors/`) written once against a small
 * host interface, so that each testee adapter only maps its runner SDK onto {@link ActorHost}
 * and {@link ActorSocket}. The behaviour here is the spec's, route for route; an adapter for a
 * runner in another language reimplements it from the JSON specs instead.
 */

/** A KV list query as the kv-probe request body carries it (bytes decoded from hex). */
export type ProbeQuery =
  | { readonly kind: "all" }
  | { readonly kind: "prefix"; readonly prefix: Uint8Array }
  | { readonly kind: "range"; readonly start: Uint8Array; readonly end: Uint8Array; readonly exclusive: boolean };

/** What an actor can ask of its runner: the protocol-level actor API. */
export interface ActorHost {
  readonly actorId: string;
  readonly generation: number;
  kvGet(keys: Uint8Array[]): Promise<(Uint8Array | null)[]>;
  kvList(query: ProbeQuery, options: { reverse?: boolean; limit?: number }): Promise<[Uint8Array, Uint8Array][]>;
  kvPut(entries: [Uint8Array, Uint8Array][]): Promise<void>;
  kvDelete(keys: Uint8Array[]): Promise<void>;
  kvDeleteRange(start: Uint8Array, end: Uint8Array): Promise<void>;
  kvDrop(): Promise<void>;
  /** Sends the sleep intent. */
  sleep(): void;
  /** Sends the stop intent (destroy). */
  destroy(): void;
  setAlarm(timestampMs: number | null): void;
  /** Ends the whole runner process at once (crasher's `/exit`). */
  exitProcess(code: number): never;
}

/** One tunnel WebSocket as the standard actors use it. */
export interface ActorSocket {
  send(data: string | Uint8Array): void;
  close(code: number, reason: string): void;
  /** Acknowledges a gateway message index (hibernatable sockets only); a no-op elsewhere. */
  ack(messageIndex: number): void;
}

/** The start command's fields that the actors report on `/info`. */
export interface StartConfig {
  readonly name: string;
  readonly key: string | null;
  readonly input: Uint8Array | null;
}

/** One hosted actor instance. */
export interface StandardActor {
  fetch(request: Request): Promise<Response>;
  /** Called for each message of a socket accepted for this actor. */
  onSocketMessage(socket: ActorSocket, data: string | Uint8Array, messageIndex: number, hibernatable: boolean): void;
}

/** Every actor name the suite starts. */
export const STANDARD_ACTOR_NAMES = ["echo", "counter", "kv-probe", "alarm", "sleeper", "http-echo", "ws-echo", "crasher"] as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Thrown on purpose by crasher; passed through to the runner SDK. */
export class CrasherError extends Error {
  override readonly name = "CrasherError";
}

/** Start counts per actor ID for this process, all generations together (`/info`'s `starts`). */
const startCounts = new Map<string, number>();

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

function unhex(text: unknown): Uint8Array {
  if (typeof text !== "string" || !/^(?:[0-9a-f]{2})*$/i.test(text)) throw new Error(`not hex: ${JSON.stringify(text)}`);
  return new Uint8Array(Buffer.from(text, "hex"));
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}

/** `n` bytes where byte i is i mod 251, as `http-echo`'s `/bytes` answers. */
export function patternBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = i % 251;
  return out;
}

/** Whether a socket on this path should be offered hibernation (ws-echo's `/hibernatable`). */
export function wantsHibernation(name: string, path: string): boolean {
  return name === "ws-echo" && new URL(path, "http://actor").pathname === "/hibernatable";
}

/** Whether the actor refuses a socket on this path (ws-echo's `/refuse`, any non-ws-echo actor). */
export function refusesSocket(name: string, path: string): boolean {
  return name !== "ws-echo" || new URL(path, "http://actor").pathname === "/refuse";
}

/**
 * Runs the start callback of the named actor and returns the instance. Throws for crasher's
 * `throw-on-start` input and for names the suite does not define.
 */
export function startStandardActor(host: ActorHost, config: StartConfig): StandardActor {
  startCounts.set(host.actorId, (startCounts.get(host.actorId) ?? 0) + 1);
  if (!(STANDARD_ACTOR_NAMES as readonly string[]).includes(config.name)) throw new Error(`no standard actor named ${config.name}`);
  if (config.name === "crasher" && config.input !== null && decoder.decode(config.input) === "throw-on-start") {
    throw new Error("crasher: throw-on-start");
  }
  const info = (): Response =>
    json({
      actorId: host.actorId,
      generation: host.generation,
      name: config.name,
      key: config.key,
      inputHex: config.input === null ? null : hex(config.input),
      starts: startCounts.get(host.actorId) ?? 0,
    });

  return {
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === "/info") return info();
      try {
        const answer = await route(host, config.name, request, url);
        return answer ?? new Response("not found", { status: 404 });
      } catch (error) {
        // crasher's /throw must reach the runner SDK's own error path, not this one.
        if (error instanceof CrasherError) throw error;
        return json({ error: error instanceof Error ? error.message : String(error) }, 500);
      }
    },
    onSocketMessage(socket, data, messageIndex, hibernatable) {
      if (typeof data === "string" && data.startsWith("close:")) {
        const [, code, ...reason] = data.split(":");
        socket.close(Number(code), reason.join(":"));
      } else if (typeof data === "string" && data.startsWith("burst:")) {
        const n = Number(data.slice("burst:".length));
        for (let i = 0; i < n; i++) socket.send(String(i));
      } else {
        socket.send(data);
      }
      if (hibernatable) socket.ack(messageIndex);
    },
  };
}

async function route(host: ActorHost, name: string, request: Request, url: URL): Promise<Response | undefined> {
  const path = url.pathname;
  switch (name) {
    case "echo":
      if (path === "/echo" && request.method === "POST") {
        return new Response(new Uint8Array(await request.arrayBuffer()), { headers: { "content-type": "application/octet-stream" } });
      }
      return undefined;
    case "counter": {
      const key = encoder.encode("count");
      const read = async (): Promise<number> => {
        const [value] = await host.kvGet([key]);
        return value == null ? 0 : Number(decoder.decode(value));
      };
      if (path === "/count") return json({ count: await read() });
      if (path === "/increment") {
        const count = (await read()) + 1;
        await host.kvPut([[key, encoder.encode(String(count))]]);
        return json({ count });
      }
      return undefined;
    }
    case "kv-probe":
      if (path === "/kv") return json(await kvProbe(host, (await request.json()) as Record<string, unknown>));
      return undefined;
    case "alarm":
      if (path === "/alarm") {
        host.setAlarm(Number(url.searchParams.get("at")));
        return json({});
      }
      if (path === "/alarm/clear") {
        host.setAlarm(null);
        return json({});
      }
      return undefined;
    case "sleeper":
      // The intent follows the answer, so that the response is not raced by the stop it causes.
      if (path === "/sleep") {
        setTimeout(() => host.sleep(), 10);
        return json({});
      }
      if (path === "/destroy") {
        setTimeout(() => host.destroy(), 10);
        return json({});
      }
      return undefined;
    case "http-echo":
      if (path === "/echo") {
        const headers = new Headers({ "x-method": request.method, "x-path": `${url.pathname}${url.search}` });
        request.headers.forEach((value, header) => {
          if (header.startsWith("x-echo-")) headers.set(header, value);
        });
        const status = Number(url.searchParams.get("status") ?? "200");
        const body = new Uint8Array(await request.arrayBuffer());
        // A null-body status (204, 304) cannot carry a body in a fetch Response.
        return new Response([204, 205, 304].includes(status) ? null : body, { status, headers });
      }
      if (path === "/bytes") {
        return new Response(patternBytes(Number(url.searchParams.get("n") ?? "0")), { headers: { "content-type": "application/octet-stream" } });
      }
      if (path === "/slow") {
        await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get("ms") ?? "0")));
        return json({});
      }
      return undefined;
    case "crasher":
      if (path === "/throw") throw new CrasherError("crasher: /throw");
      if (path === "/exit") host.exitProcess(1);
      return undefined;
    default:
      return undefined;
  }
}

async function kvProbe(host: ActorHost, body: Record<string, unknown>): Promise<unknown> {
  const keys = (): Uint8Array[] => (body.keys as unknown[]).map(unhex);
  switch (body.op) {
    case "get":
      return { values: (await host.kvGet(keys())).map((v) => (v === null ? null : hex(v))) };
    case "list": {
      const q = body.query as Record<string, unknown>;
      const query: ProbeQuery =
        q.kind === "prefix"
          ? { kind: "prefix", prefix: unhex(q.prefix) }
          : q.kind === "range"
            ? { kind: "range", start: unhex(q.start), end: unhex(q.end), exclusive: q.exclusive === true }
            : { kind: "all" };
      const options = {
        ...(typeof body.reverse === "boolean" ? { reverse: body.reverse } : {}),
        ...(typeof body.limit === "number" ? { limit: body.limit } : {}),
      };
      return { entries: (await host.kvList(query, options)).map(([k, v]) => [hex(k), hex(v)]) };
    }
    case "put":
      await host.kvPut((body.entries as [unknown, unknown][]).map(([k, v]) => [unhex(k), unhex(v)]));
      return {};
    case "delete":
      await host.kvDelete(keys());
      return {};
    case "deleteRange":
      await host.kvDeleteRange(unhex(body.start), unhex(body.end));
      return {};
    case "drop":
      await host.kvDrop();
      return {};
    default:
      throw new Error(`unknown kv op ${JSON.stringify(body.op)}`);
  }
}
