/**
 * The client's end-to-end cases, written once and registered against each stack (Rivet's
 * engine with rivetkit actors, our engine with our runner) and each encoding. Every case
 * talks to real processes over loopback.
 */
import { type SkipGroup, eventually, withSkips } from "@actorwire/testkit";
import { afterAll, beforeAll, describe, expect, it as vitestIt } from "vitest";
import {
  ActorConnDisposedError,
  ActorError,
  ClientAbortedError,
  ClientConnectionLostError,
  ClientGetParamsError,
  ClientMessageTooLongError,
  ClientNetworkError,
  ClientTimeoutError,
  type ActorConnStatus,
  type Client,
  type Encoding,
  createClient,
  serializeActorKey,
} from "../src/index.js";
import { encodeActionRequest, encodeToServer, wireSize } from "../src/wire.js";
import type { registry } from "./fixtures/rivetkit-app.js";
import type { ClientTestStack } from "./support/stack.js";

type App = Client<typeof registry>;

const ENCODINGS: readonly Encoding[] = ["bare", "cbor", "json"];

let keySeq = 0;
/** A key no other case uses, so cases do not share actors. */
function freshKey(label: string): string[] {
  keySeq += 1;
  return [`${label}-${process.pid}-${keySeq}-${Math.random().toString(36).slice(2, 8)}`];
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

/** The 64 KiB default of the actors' `maxIncomingMessageSize`. */
const MESSAGE_LIMIT = 65_536;

/** The longest string argument whose encoded message (`encode(s)`) still fits in `limit`. */
function stringAtLimit(encode: (s: string) => string | Uint8Array, limit: number): string {
  let n = limit;
  while (wireSize(encode("x".repeat(n))) > limit) n -= 1;
  return "x".repeat(n);
}

/** How long a case waits for an event or a connection state before failing. */
const UNTIL = { timeoutMs: 20_000 };

/** What a stack's test file passes besides its stack. */
export interface ClientSuiteOptions {
  /** Cases this stack does not support, each group with its reason; they are reported as skipped. */
  readonly skip?: readonly SkipGroup[];
}

/** Registers every case against the stack `start` makes. */
export function clientSuite(start: () => Promise<ClientTestStack>, options: ClientSuiteOptions = {}): void {
  const it = withSkips(vitestIt, options.skip);
  let stack: ClientTestStack;
  beforeAll(async () => {
    stack = await start();
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  }, 30_000);

  for (const encoding of ENCODINGS) {
    describe(`encoding ${encoding}`, () => {
      let client: App;
      beforeAll(() => {
        client = createClient<typeof registry>({ endpoint: stack.endpoint, encoding });
      });
      afterAll(async () => {
        await client?.dispose();
      });

      it("calls typed stateless actions and keeps state between calls", async () => {
        const counter = client.counter.getOrCreate(freshKey("inc"));
        expect(await counter.increment(5)).toBe(5);
        expect(await counter.increment(2)).toBe(7);
        expect(await counter.getCount()).toBe(7);
        expect(await counter.action({ name: "increment", args: [1] })).toBe(8);
      });

      it("calls an action of a nested group (calculator.add)", async () => {
        const counter = client.counter.getOrCreate(freshKey("group"));
        expect(await counter.calculator.add(2, 3)).toBe(5);
        expect(await counter.action({ name: "calculator.add", args: [4, 5] })).toBe(9);
      });

      it("round-trips structured values, bytes and large payloads", async () => {
        const counter = client.counter.getOrCreate(freshKey("echo"));
        const value = { a: 1, b: [1, "x", null, true], nested: { s: "ü€😀" } };
        expect(await counter.echo(value)).toEqual(value);
        // Binary values in every encoding. (In cbor, rivetkit 2.3.19's own client sends them as
        // CBOR tags, which Rivet's core refuses with core.internal_error; @actorwire/protocol
        // writes rivetkit's compat form inline, which the core accepts.)
        const bytes = { bytes: new Uint8Array([0, 1, 254, 255]) };
        const echoed = (await counter.echo(bytes)) as typeof bytes;
        expect(new Uint8Array(echoed.bytes)).toEqual(bytes.bytes);
        // Over 16 KiB, where BARE length prefixes need three bytes (and under rivetkit's
        // 64 KiB default limit on incoming messages).
        const big = "x".repeat(40_000);
        expect(await counter.echo(big)).toBe(big);
      });

      it("fails just the call whose message is over the 64 KiB limit, naming the limit and the size, and keeps the socket", async () => {
        const counter = client.counter.getOrCreate(freshKey("big"));
        const atLimitHttp = stringAtLimit((s) => encodeActionRequest([s], encoding), MESSAGE_LIMIT);
        expect(await counter.echo(atLimitHttp)).toBe(atLimitHttp);
        const over = `${atLimitHttp}x`;
        const overSize = wireSize(encodeActionRequest([over], encoding));
        const httpErr = await rejection(counter.echo(over));
        expect(httpErr).toBeInstanceOf(ClientMessageTooLongError);
        expect(httpErr).toMatchObject({ group: "client", code: "message_too_long", metadata: { limit: MESSAGE_LIMIT, size: overSize } });
        expect((httpErr as Error).message).toContain(`${overSize} bytes`);
        expect((httpErr as Error).message).toContain(`${MESSAGE_LIMIT} bytes`);
        const queueErr = await rejection(counter.send("jobs", { n: 1, pad: over } as { n: number }));
        expect(queueErr).toBeInstanceOf(ClientMessageTooLongError);

        const conn = counter.connect();
        let closes = 0;
        conn.onClose(() => closes++);
        await conn.ready;
        const inFlight = conn.slow(300);
        const atLimitConn = stringAtLimit((s) => encodeToServer({ tag: "ActionRequest", val: { id: 2n, name: "echo", args: [s] } }, encoding), MESSAGE_LIMIT);
        const connErr = await rejection(conn.echo(`${atLimitConn}xx`));
        expect(connErr).toBeInstanceOf(ClientMessageTooLongError);
        expect(connErr).toMatchObject({ code: "message_too_long", metadata: { limit: MESSAGE_LIMIT } });
        // The other call in flight and the socket are unaffected.
        expect(await inFlight).toBe(300);
        expect(await conn.echo(atLimitConn)).toBe(atLimitConn);
        expect(await conn.increment(1)).toBe(1);
        expect(conn.connStatus).toBe("connected");
        expect(closes).toBe(0);
        await conn.dispose();
      });

      it("addresses compound keys with separators and empty parts, and resolves them to one ID", async () => {
        const key = [`k-${Math.random().toString(36).slice(2)}`, "a/b", "", "c\\d"];
        const created = client.counter.getOrCreate(key);
        expect(await created.increment(3)).toBe(3);
        const id = await created.resolve();
        expect(typeof id).toBe("string");
        const found = client.counter.get(key);
        expect(await found.resolve()).toBe(id);
        expect(await found.getCount()).toBe(3);
        expect(await client.counter.getForId(id).getCount()).toBe(3);
        // The engine stores rivetkit's one-string form of the key.
        const res = await fetch(`${stack.endpoint}/actors?namespace=default&name=counter&key=${encodeURIComponent(serializeActorKey(key))}`);
        const listed = (await res.json()) as { actors: { actor_id: string }[] };
        expect(listed.actors.map((a) => a.actor_id)).toContain(id);
      });

      it("surfaces UserError with group, code and metadata, and hides internal errors", async () => {
        const counter = client.counter.getOrCreate(freshKey("err"));
        const err = await rejection(counter.fail("nope"));
        expect(err).toBeInstanceOf(ActorError);
        expect(err).toMatchObject({ group: "user", code: "bad_thing", message: "nope", metadata: { why: "test" } });
        const internal = await rejection(counter.crash());
        expect(internal).toBeInstanceOf(ActorError);
        // rivetkit 2.3.19 reports `rivetkit.internal_error`; our runner `actor.internal_error`.
        expect(internal).toMatchObject({ code: "internal_error" });
        expect(["actor", "rivetkit"]).toContain((internal as ActorError).group);
        expect((internal as Error).message).not.toContain("secret internal detail");
      });

      it("fails get() of a missing actor with actor.not_found", async () => {
        const err = await rejection(client.counter.get(freshKey("missing")).getCount());
        expect(err).toBeInstanceOf(ActorError);
        expect(err).toMatchObject({ group: "actor", code: "not_found" });
      });

      it("creates actors with input (create, getOrCreate createWithInput) and refuses a taken key", async () => {
        const key = freshKey("greet");
        const greeter = await client.greeter.create(key, { input: { greeting: "hola" } });
        expect(await greeter.greet("ana")).toBe("hola, ana");
        const again = await rejection(client.greeter.create(key, { input: { greeting: "x" } }));
        expect(again).toBeInstanceOf(ActorError);
        const other = client.greeter.getOrCreate(freshKey("greet"), { createWithInput: { greeting: "salut" } });
        expect(await other.greet("bo")).toBe("salut, bo");
      });

      it("aborts a call with its AbortSignal and times one out with ClientTimeoutError", async () => {
        const counter = client.counter.getOrCreate(freshKey("abort"));
        await counter.getCount();
        const controller = new AbortController();
        const pending = counter.action({ name: "slow", args: [3_000], signal: controller.signal });
        setTimeout(() => controller.abort(), 50);
        const aborted = await rejection(pending);
        expect(aborted).toBeInstanceOf(ClientAbortedError);
        expect(aborted).toMatchObject({ name: "AbortError", group: "client", code: "aborted" });
        const timedOut = await rejection(counter.action({ name: "slow", args: [3_000], timeout: 50 }));
        expect(timedOut).toBeInstanceOf(ClientTimeoutError);
        expect(timedOut).toMatchObject({ group: "client", code: "timeout" });
      });

      it("sends queue messages and waits for their completion", async () => {
        const counter = client.counter.getOrCreate(freshKey("queue"));
        const result = await counter.send("jobs", { n: 21 }, { wait: true, timeout: 10_000 });
        expect(result).toEqual({ status: "completed", response: { doubled: 42 } });
        // Without `wait` the send resolves to nothing once accepted, as rivetkit's does.
        const fireAndForget: unknown = await counter.send("jobs", { n: 1 });
        expect(fireAndForget).toBeUndefined();
        expect(await counter.send("jobs", { n: 2 }, { wait: false })).toBeUndefined();
      });

      it("reaches onRequest with raw fetch, streaming the request body", async () => {
        const counter = client.counter.getOrCreate(freshKey("fetch"));
        const get = await counter.fetch("/hello/world?x=1");
        expect(get.status).toBe(200);
        expect(get.headers.get("x-fixture")).toBeTruthy();
        expect(await get.json()).toMatchObject({ method: "GET", path: "/hello/world", search: "?x=1" });
        const encoder = new TextEncoder();
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(encoder.encode("part-1,"));
            controller.enqueue(encoder.encode("part-2"));
            controller.close();
          },
        });
        const post = await counter.fetch("upload", { method: "POST", body: stream });
        expect(await post.json()).toMatchObject({ method: "POST", path: "/upload", body: "part-1,part-2" });
        const fromRequest = await counter.fetch(new Request("http://ignored/req?y=2", { method: "PUT", body: "r" }));
        expect(await fromRequest.json()).toMatchObject({ method: "PUT", path: "/req", search: "?y=2", body: "r" });
      });

      it("opens a raw WebSocket to onWebSocket", async () => {
        const counter = client.counter.getOrCreate(freshKey("ws"));
        const ws = await counter.webSocket("/chat");
        const reply = await new Promise<string>((resolve, reject) => {
          ws.addEventListener("open", () => ws.send("hi"));
          ws.addEventListener("message", (e: MessageEvent) => resolve(String(e.data)));
          ws.addEventListener("error", () => reject(new Error("raw websocket error")));
          ws.addEventListener("close", (e: CloseEvent) => reject(new Error(`closed ${e.code} ${e.reason}`)));
        });
        expect(reply).toBe("echo:hi");
        ws.close();
      });

      it("connects: actions by ID, events for subscribed names only, once, unsubscribe, params and status", async () => {
        const key = freshKey("conn");
        const statuses: ActorConnStatus[] = [];
        const conn = client.counter.getOrCreate(key).connect({ name: "ana" });
        expect(conn.connStatus).toBe("connecting");
        conn.onStatusChange((s) => statuses.push(s));
        let opens = 0;
        conn.onOpen(() => opens++);
        let closes = 0;
        conn.onClose(() => closes++);
        await conn.ready;
        expect(conn.connStatus).toBe("connected");
        expect(opens).toBe(1);
        expect(conn.actorId).toBe(await client.counter.getOrCreate(key).resolve());
        expect(await conn.whoAmI()).toBe("ana");

        const counts: number[] = [];
        const off = conn.on("newCount", (n) => counts.push(n));
        const onceCounts: number[] = [];
        conn.once("newCount", (n) => onceCounts.push(n));
        // Concurrent actions are matched to their answers by ID.
        const results = await Promise.all([conn.increment(1), conn.increment(10), conn.increment(100)]);
        expect(new Set(results).size).toBe(3);
        expect(results.reduce((a, b) => Math.max(a, b))).toBe(111);
        await eventually("three newCount events", () => counts.length === 3, UNTIL);
        expect(counts.sort((a, b) => a - b)).toEqual([...results].sort((a, b) => a - b));
        expect(onceCounts).toHaveLength(1);

        // A stateless call elsewhere reaches this connection's listener too.
        expect(await client.counter.getOrCreate(key).increment(1)).toBe(112);
        await eventually("the event from a stateless call", () => counts.includes(112), UNTIL);

        off();
        // `pinged` has a listener, `newCount` no longer does: only pinged arrives.
        const pings: string[] = [];
        conn.on("pinged", (t) => pings.push(t));
        await conn.increment(1);
        await conn.ping("p1");
        await eventually("the pinged event", () => pings.length === 1, UNTIL);
        expect(counts).not.toContain(113);

        expect(closes).toBe(0);
        await conn.dispose();
        expect(conn.connStatus).toBe("idle");
        expect(statuses).toEqual(["connected", "idle"]);
        // Disposing an open connection closes it: onClose runs once, as in rivetkit.
        expect(closes).toBe(1);
        await conn.dispose();
        expect(closes).toBe(1);
        const afterDispose = await rejection(conn.increment(1));
        expect(afterDispose).toBeInstanceOf(ActorConnDisposedError);
      });

      it("delivers the events of a call made right after connect() (the README snippet), on the handle and on the connection", async () => {
        const counter = client.counter.getOrCreate(freshKey("snippet"));
        const conn = counter.connect({ name: "ana" });
        const doubled: number[] = [];
        conn.on("doubled", (n) => doubled.push(n));
        expect(await counter.send("jobs", { n: 21 }, { wait: true })).toEqual({ status: "completed", response: { doubled: 42 } });
        await eventually("the event of the first job", () => doubled.includes(42), UNTIL);

        const second = counter.connect();
        const pings: string[] = [];
        second.on("pinged", (t) => pings.push(t));
        expect(await counter.ping("first")).toBe("first");
        await eventually("the event of an action called right after connect()", () => pings.includes("first"), UNTIL);

        const third = counter.connect();
        const thirdDoubled: number[] = [];
        third.on("doubled", (n) => thirdDoubled.push(n));
        await third.send("jobs", { n: 5 });
        await eventually("the event of a send on the connection right after connect()", () => thirdDoubled.includes(10), UNTIL);
        await Promise.all([conn.dispose(), second.dispose(), third.dispose()]);
      });

      it("re-runs getParams for the connection and for stateless calls", async () => {
        let calls = 0;
        const handle = client.counter.getOrCreate(freshKey("params"), {
          getParams: async () => {
            calls += 1;
            return { name: `caller-${calls}` };
          },
        });
        const conn = handle.connect();
        await conn.ready;
        expect(await conn.whoAmI()).toBe("caller-1");
        await conn.dispose();
        expect(calls).toBe(1);
      });

      it("fails calls waiting for the connection with client.get_params_failed when getParams throws, reports it to onError, and retries", async () => {
        let calls = 0;
        const handle = client.counter.getOrCreate(freshKey("badparams"), {
          getParams: async () => {
            calls += 1;
            if (calls === 1) throw new Error("token service down");
            return { name: "later" };
          },
        });
        const conn = handle.connect();
        const errors: Error[] = [];
        conn.onError((e) => errors.push(e));
        const err = await rejection(conn.whoAmI());
        expect(err).toBeInstanceOf(ClientGetParamsError);
        expect(err).toMatchObject({ group: "client", code: "get_params_failed", metadata: { error: "token service down" } });
        expect((err as Error).message).toContain("token service down");
        expect(errors).toContain(err);
        // The connection keeps trying, and the next getParams() works.
        await conn.ready;
        expect(await conn.whoAmI()).toBe("later");
        expect(calls).toBe(2);
        await conn.dispose();
      });

      it("fails calls in flight with the actor's own error when it refuses a subscription and closes the socket", async () => {
        const conn = client.counter.getOrCreate(freshKey("refuse")).connect();
        const errors: Error[] = [];
        conn.onError((e) => errors.push(e));
        await conn.ready;
        const inFlight = conn.slow(3_000);
        await new Promise((r) => setTimeout(r, 100));
        conn.on("secret", () => undefined);
        const err = await rejection(inFlight);
        // Both runtimes close the socket with the reason `auth.forbidden`.
        expect(err).toBeInstanceOf(ActorError);
        expect(err).toMatchObject({ group: "auth", code: "forbidden" });
        expect(errors.some((e) => e instanceof ActorError && e.group === "auth" && e.code === "forbidden")).toBe(true);
        await conn.dispose();
      });

      it("stops reconnecting when onBeforeConnect rejects, and fails queued actions with that error", async () => {
        const conn = client.counter.getOrCreate(freshKey("forbidden")).connect({ name: "forbidden" });
        const errors: Error[] = [];
        conn.onError((e) => errors.push(e));
        const action = conn.increment(1);
        const err = await rejection(action);
        expect(err).toBeInstanceOf(ActorError);
        expect(err).toMatchObject({ group: "user", code: "forbidden" });
        await eventually("the connection to give up", () => conn.connStatus === "idle", UNTIL);
        expect(errors.some((e) => e instanceof ActorError && e.code === "forbidden")).toBe(true);
        await expect(conn.ready).rejects.toBeInstanceOf(ActorError);
        await conn.dispose();
      });

      it("re-resolves a getOrCreate handle after its actor is destroyed, while get() reports not_found", async () => {
        const key = freshKey("stale");
        const handle = client.counter.getOrCreate(key);
        expect(await handle.increment(4)).toBe(4);
        const first = await handle.resolve();
        await stack.destroyActor(first);
        // The cached ID is stale: the call resolves again and reaches a new actor.
        expect(await handle.increment(1)).toBe(1);
        const second = await handle.resolve();
        expect(second).not.toBe(first);
        const byId = await rejection(client.counter.getForId(first).getCount());
        expect(byId).toBeInstanceOf(ActorError);
        expect((byId as ActorError).group).toBe("actor");
      });

      it("connects a getOrCreate handle whose actor was destroyed by resolving it again (creating a new actor)", async () => {
        const key = freshKey("staleconn");
        const handle = client.counter.getOrCreate(key);
        expect(await handle.increment(4)).toBe(4);
        const first = await handle.resolve();
        await stack.destroyActor(first);
        const conn = handle.connect();
        try {
          await eventually("the connection to a new actor to open", () => conn.connStatus === "connected", UNTIL);
          expect(conn.actorId).not.toBe(first);
          expect(await conn.increment(1)).toBe(1);
          expect(await handle.resolve()).toBe(conn.actorId);
        } finally {
          await conn.dispose();
        }
      }, 30_000);
    });
  }

  describe("transport", () => {
    it("reports an unreachable endpoint as ClientNetworkError", async () => {
      const client = createClient({ endpoint: "http://127.0.0.1:9", disableMetadataLookup: true });
      const err = await rejection(client.getOrCreate("counter", ["x"]).action({ name: "getCount", args: [] }));
      expect(err).toBeInstanceOf(ClientNetworkError);
      expect(err).toMatchObject({ group: "client", code: "network_error" });
      await client.dispose();
    });

    it("takes namespace and token from URL auth syntax", async () => {
      const url = new URL(stack.endpoint);
      url.username = "default";
      url.password = "dev-token";
      const client = createClient<typeof registry>(url.toString());
      expect(await client.counter.getOrCreate(freshKey("urlauth")).increment(2)).toBe(2);
      await client.dispose();
    });

    it("hands out a query gateway URL that the engine resolves itself", async () => {
      const client = createClient<typeof registry>({ endpoint: stack.endpoint });
      const key = freshKey("gwurl");
      const handle = client.counter.getOrCreate(key);
      const base = await handle.getGatewayUrl();
      expect(base).toContain("rvt-method=getOrCreate");
      const [path, query] = base.split("?");
      const res = await fetch(`${path}/request/via-query?${query}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ path: "/via-query" });
      expect(await handle.getCount()).toBe(0);
      await client.dispose();
    });

    it("dispose() closes every connection of the client", async () => {
      const client = createClient<typeof registry>({ endpoint: stack.endpoint });
      const a = client.counter.getOrCreate(freshKey("d1")).connect();
      const b = client.counter.getOrCreate(freshKey("d2")).connect();
      let closes = 0;
      a.onClose(() => closes++);
      b.onClose(() => closes++);
      await Promise.all([a.ready, b.ready]);
      await client.dispose();
      expect(a.connStatus).toBe("idle");
      expect(b.connStatus).toBe("idle");
      expect(closes).toBe(2);
      expect(() => client.counter.getOrCreate(["x"])).toThrow(/disposed/);
    });
  });

  describe("reconnect", () => {
    it("comes back after an engine restart: events resume, a sent action fails once, a queued one runs once", async () => {
      const client = createClient<typeof registry>({
        endpoint: stack.endpoint,
        connection: { queuedActionTimeoutMs: 60_000, maxReconnectDelayMs: 1_000 },
      });
      try {
        const key = freshKey("reconnect");
        const conn = client.counter.getOrCreate(key).connect();
        const statuses: ActorConnStatus[] = [];
        conn.onStatusChange((s) => statuses.push(s));
        let opens = 0;
        let closes = 0;
        conn.onOpen(() => opens++);
        conn.onClose(() => closes++);
        const counts: number[] = [];
        conn.on("newCount", (n) => counts.push(n));
        await conn.ready;
        expect(await conn.increment(1)).toBe(1);
        await eventually("the first event", () => counts.includes(1), UNTIL);

        // In flight when the engine dies: it must fail (once), never be answered later.
        let inFlightSettled = 0;
        const inFlightOutcome = conn.action({ name: "slow", args: [5_000] }).then(
          (v) => {
            inFlightSettled++;
            return v;
          },
          (e: unknown) => {
            inFlightSettled++;
            return e;
          },
        );
        await new Promise((r) => setTimeout(r, 200));
        await stack.killEngine();
        expect(await inFlightOutcome).toBeInstanceOf(ClientConnectionLostError);
        await eventually("the connection to notice", () => conn.connStatus !== "connected", UNTIL);

        // Called while the engine is down: waits, then runs exactly once after the reconnect.
        const queued = conn.increment(10);
        await new Promise((r) => setTimeout(r, 300));
        await stack.startEngine();
        const after = await queued;
        expect(conn.connStatus).toBe("connected");
        expect(opens).toBe(2);
        expect(closes).toBe(1);
        expect(statuses).toContain("disconnected");
        // Run once: the actor's count is the queued action's own answer, not more.
        expect(await client.counter.getOrCreate(key).getCount()).toBe(after);
        // Events resume on the new socket (the subscription was sent again).
        const next = await conn.increment(1);
        await eventually("an event after the reconnect", () => counts.includes(next), UNTIL);
        // The in-flight action was settled once and never answered after the reconnect.
        await new Promise((r) => setTimeout(r, 200));
        expect(inFlightSettled).toBe(1);
        await conn.dispose();
      } finally {
        await client.dispose();
      }
    }, 90_000);
  });

  vitestIt("skips only cases the suite has", () => it.checkAllUsed());
}
