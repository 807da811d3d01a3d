/**
 * The registry the engine-level conformance suite (`actorwire-conformance engine`) hosts: a
 * runner process built on `@actorwire/runner`'s actor API, pointed at the engine under test by
 * the environment (`RIVET_ENDPOINT`, `RIVET_NAMESPACE`, `RIVET_RUNNER`, `RIVET_TOKEN`).
 *
 * The runner and the client are fixed (ours); the engine is what varies, so these actors only
 * give the cases something observable to drive through the engine: state to keep across sleep
 * and restarts, an alarm, KV, a queue whose first delivery hangs, raw HTTP and WebSocket
 * handlers and events. stdout carries one JSON line per notable moment (`{"event": …, "pid"}`);
 * the harness waits for `connected` before it runs a case.
 */
import { actor, event, queue, setup, UserError } from "@actorwire/runner";

/** Prints one JSON line for the harness. */
function report(line: { event: string } & Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...line, pid: process.pid })}\n`);
}

/** Request headers as a plain object (lower-case names). */
function headersOf(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/**
 * A response whose length is declared. The actor runtime hands `onRequest`'s body to the runner
 * as a stream; without a `content-length` the runner relays it as response chunks, which only
 * our engine's gateway reassembles (Rivet's drops them). Only `/stream` is meant to be chunked.
 */
function known(body: string | Uint8Array<ArrayBuffer>, init: { status?: number; headers: Record<string, string> }): Response {
  const bytes: Uint8Array<ArrayBuffer> = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return new Response(bytes, { ...init, headers: { ...init.headers, "content-length": String(bytes.byteLength) } });
}

/** State, sleep and wake, alarms, crashes and destroy: the lifecycle cases' actor. */
const counter = actor({
  state: { count: 0, wakes: 0, fired: [] as string[] },
  events: { changed: event<number>() },
  onWake: (c) => {
    c.state.wakes++;
  },
  actions: {
    increment: (c, by: number) => {
      c.state.count += by;
      c.broadcast("changed", c.state.count);
      return c.state.count;
    },
    get: (c) => ({ count: c.state.count, wakes: c.state.wakes, fired: c.state.fired }),
    /** Returns its argument unchanged: the encodings' round trip. */
    echo: (_c, value: unknown) => value,
    key: (c) => c.key,
    sleep: (c) => c.sleep(),
    destroy: (c) => c.destroy(),
    crash: () => {
      throw new Error("crasher: thrown on purpose by the conformance actor");
    },
    /** A user error: its group, code and metadata must reach the caller through the engine. */
    refuse: () => {
      throw new UserError("not allowed", { code: "forbidden_thing", metadata: { limit: 3 } });
    },
    /** Schedules `fire(tag)` in `ms` and goes to sleep at once: only the alarm can wake it. */
    scheduleAndSleep: async (c, ms: number, tag: string) => {
      await c.schedule.after(ms, "fire", tag);
      c.sleep();
      return true;
    },
    fire: (c, tag: string) => {
      c.state.fired.push(tag);
      report({ event: "fired", actorId: c.actorId, tag });
    },
  },
});

/** `c.kv` through the actor: strings and binary values, prefix listing and delete. */
const kv = actor({
  state: {},
  actions: {
    put: (c, key: string, value: string) => c.kv.put(key, value),
    get: (c, key: string) => c.kv.get(key),
    list: async (c, prefix: string) => {
      const entries = (await c.kv.list(prefix)) as [string, string][];
      return entries.map(([k, v]) => [k, v]);
    },
    remove: (c, key: string) => c.kv.delete(key),
    putBinary: (c, key: number[], value: number[]) => c.kv.put(Uint8Array.from(key), Uint8Array.from(value)),
    getBinary: async (c, key: number[]) => {
      const value = await c.kv.get(Uint8Array.from(key), { type: "binary" });
      return value === null ? null : [...value];
    },
    sleep: (c) => c.sleep(),
  },
});

/** A queue whose run loop hangs on the first delivery of a `hang` message, so a SIGKILL then must lead to a redelivery. */
const worker = actor({
  state: { done: [] as number[] },
  queues: { jobs: queue<{ n: number; hang?: boolean }, { doubled: number }>() },
  run: async (c) => {
    for await (const m of c.queue.iter({ names: ["jobs"], completable: true })) {
      const deliveries = (m as { deliveries?: number }).deliveries;
      report({ event: "job", actorId: c.actorId, n: m.body.n, deliveries });
      if (m.body.hang === true && deliveries === 1) await new Promise(() => {});
      c.state.done.push(m.body.n);
      await m.complete?.({ doubled: m.body.n * 2 });
    }
  },
  actions: {
    done: (c) => c.state.done,
  },
});

/**
 * Raw HTTP and WebSocket handlers. `/bytes?n=` answers with n bytes of a known pattern,
 * `/stream` with a body of unknown length in three chunks, `/status` with a 418, `/empty`
 * with a 204; any other path
 * with the actor's ID and the request's method, path, query, headers and body (its length and
 * checksum, and the text when short). On a WebSocket, text
 * `close:<code>:<reason>` closes it with that code; anything else is echoed.
 */
const raw = actor({
  state: { hits: 0 },
  onRequest: async (c, request) => {
    c.state.hits++;
    const url = new URL(request.url);
    if (url.pathname === "/bytes") {
      const n = Number(url.searchParams.get("n") ?? "0");
      const body = new Uint8Array(n);
      for (let i = 0; i < n; i++) body[i] = (i * 31 + 7) & 0xff;
      return known(body, { headers: { "content-type": "application/octet-stream" } });
    }
    if (url.pathname === "/stream") {
      const encoder = new TextEncoder();
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (i === 3) {
            controller.close();
            return;
          }
          await new Promise((r) => setTimeout(r, 10));
          controller.enqueue(encoder.encode(`chunk${i++};`));
        },
      });
      return new Response(body, { headers: { "content-type": "text/plain" } });
    }
    if (url.pathname === "/empty") {
      return new Response(null, { status: 204, headers: { "x-conformance-reply": "nothing" } });
    }
    if (url.pathname === "/status") {
      return known("teapot", { status: 418, headers: { "x-conformance-reply": "short and stout" } });
    }
    const body = new Uint8Array(request.method === "GET" || request.method === "HEAD" ? new ArrayBuffer(0) : await request.arrayBuffer());
    let sum = 0;
    for (const byte of body) sum = (sum * 33 + byte) >>> 0;
    return known(
      JSON.stringify(
        {
          actorId: c.actorId,
          method: request.method,
          path: url.pathname,
          search: url.search,
          headers: headersOf(request.headers),
          length: body.length,
          checksum: sum,
          text: body.length <= 4096 ? new TextDecoder().decode(body) : null,
        },
      ),
      { headers: { "content-type": "application/json", "x-conformance-reply": "yes" } },
    );
  },
  onWebSocket: (c, ws) => {
    report({ event: "raw-open", actorId: c.actorId });
    ws.addEventListener("message", (e) => {
      if (typeof e.data === "string" && e.data.startsWith("close:")) {
        const [, code, reason] = e.data.split(":");
        ws.close(Number(code), reason ?? "");
        return;
      }
      ws.send(typeof e.data === "string" ? `echo:${e.data}` : e.data);
    });
  },
  actions: {
    hits: (c) => c.state.hits,
    sleep: (c) => c.sleep(),
  },
});

/** Every actor the harness uses, by name. */
export const registry = setup({ use: { counter, kv, worker, raw } });

const handle = registry.start();
await handle.ready;
report({ event: "connected", runnerId: handle.runnerId });
