/**
 * Model-based sequences (fast-check `fc.commands`): random interleavings of actor starts and
 * stops, KV operations, HTTP requests and WebSocket round trips, each checked against a model
 * of what the runner must answer, while the history checkers watch every frame. A failing
 * sequence is shrunk, run once more to record a clean decoded trace, and reported with the
 * seed and path to replay it (`--seed`).
 */
import fc from "fast-check";
import type { ActorRef, CaseContext, RunnerCase } from "../context.js";
import { CaseFailure } from "../context.js";

interface ModelActor {
  readonly ref: ActorRef;
  readonly kv: Map<string, string>;
}

interface Model {
  actors: ModelActor[];
}

interface Real {
  readonly ctx: CaseContext;
}

type Kind = "kv-probe" | "http-echo" | "ws-echo";

const KEYS = ["61", "62", "6162", "00", "ff", "6100"] as const;
const hexValue = fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString("hex"));

function pick(model: Model, kind: Kind, i: number): ModelActor | undefined {
  const of = model.actors.filter((a) => a.ref.name === kind);
  return of.length === 0 ? undefined : of[i % of.length];
}

function expect(ctx: CaseContext, condition: unknown, message: string): asserts condition {
  if (!condition) throw new CaseFailure(message);
}

class StartActor implements fc.AsyncCommand<Model, Real> {
  constructor(readonly kind: Kind) {}
  check = (m: Readonly<Model>): boolean => m.actors.length < 6;
  async run(m: Model, r: Real): Promise<void> {
    const ref = await r.ctx.started(this.kind);
    m.actors.push({ ref, kv: new Map() });
  }
  toString = (): string => `start(${this.kind})`;
}

class StopActor implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>): boolean => m.actors.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const [actor] = m.actors.splice(this.i % m.actors.length, 1);
    const since = r.ctx.engine.trace.mark;
    r.ctx.stop(actor!.ref);
    await r.ctx.waitStopped(actor!.ref, 10_000, since);
  }
  toString = (): string => `stop(#${this.i})`;
}

class KvPut implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number, readonly entries: [string, string][]) {}
  check = (m: Readonly<Model>): boolean => pick(m as Model, "kv-probe", this.i) !== undefined;
  async run(m: Model, r: Real): Promise<void> {
    const actor = pick(m, "kv-probe", this.i)!;
    const { status, json } = await r.ctx.json(actor.ref.actorId, "POST", "/kv", { op: "put", entries: this.entries });
    expect(r.ctx, status === 200, `put answered ${status} ${JSON.stringify(json)}`);
    for (const [k, v] of this.entries) actor.kv.set(k, v);
  }
  toString = (): string => `kvPut(#${this.i}, ${JSON.stringify(this.entries)})`;
}

class KvDelete implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number, readonly keys: string[]) {}
  check = (m: Readonly<Model>): boolean => pick(m as Model, "kv-probe", this.i) !== undefined;
  async run(m: Model, r: Real): Promise<void> {
    const actor = pick(m, "kv-probe", this.i)!;
    const { status } = await r.ctx.json(actor.ref.actorId, "POST", "/kv", { op: "delete", keys: this.keys });
    expect(r.ctx, status === 200, `delete answered ${status}`);
    for (const k of this.keys) actor.kv.delete(k);
  }
  toString = (): string => `kvDelete(#${this.i}, ${JSON.stringify(this.keys)})`;
}

class KvGet implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number, readonly keys: string[]) {}
  check = (m: Readonly<Model>): boolean => pick(m as Model, "kv-probe", this.i) !== undefined;
  async run(m: Model, r: Real): Promise<void> {
    const actor = pick(m, "kv-probe", this.i)!;
    const { status, json } = await r.ctx.json(actor.ref.actorId, "POST", "/kv", { op: "get", keys: this.keys });
    const want = this.keys.map((k) => actor.kv.get(k) ?? null);
    expect(r.ctx, status === 200 && JSON.stringify(json.values) === JSON.stringify(want), `get ${JSON.stringify(this.keys)} answered ${JSON.stringify(json)}, the model says ${JSON.stringify(want)}`);
  }
  toString = (): string => `kvGet(#${this.i}, ${JSON.stringify(this.keys)})`;
}

class KvList implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number, readonly reverse: boolean, readonly limit: number | undefined) {}
  check = (m: Readonly<Model>): boolean => pick(m as Model, "kv-probe", this.i) !== undefined;
  async run(m: Model, r: Real): Promise<void> {
    const actor = pick(m, "kv-probe", this.i)!;
    const body = { op: "list", query: { kind: "all" }, reverse: this.reverse, ...(this.limit !== undefined ? { limit: this.limit } : {}) };
    const { status, json } = await r.ctx.json(actor.ref.actorId, "POST", "/kv", body);
    let want = [...actor.kv].sort(([a], [b]) => Buffer.compare(Buffer.from(a, "hex"), Buffer.from(b, "hex")));
    if (this.reverse) want.reverse();
    if (this.limit !== undefined) want = want.slice(0, this.limit);
    expect(r.ctx, status === 200 && JSON.stringify(json.entries) === JSON.stringify(want), `list ${JSON.stringify(body)} answered ${JSON.stringify(json)}, the model says ${JSON.stringify(want)}`);
  }
  toString = (): string => `kvList(#${this.i}, reverse=${this.reverse}, limit=${this.limit})`;
}

class HttpEcho implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number, readonly body: Uint8Array) {}
  check = (m: Readonly<Model>): boolean => pick(m as Model, "http-echo", this.i) !== undefined;
  async run(m: Model, r: Real): Promise<void> {
    const actor = pick(m, "http-echo", this.i)!;
    const result = await r.ctx.http(actor.ref.actorId, { method: "POST", path: "/echo", body: this.body });
    expect(r.ctx, result.status === 200 && Buffer.from(result.body).equals(Buffer.from(this.body)), `echo of ${this.body.length} bytes answered ${result.status} with ${result.body.length} bytes`);
  }
  toString = (): string => `http(#${this.i}, ${this.body.length} B)`;
}

class WsRoundTrip implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number, readonly messages: string[]) {}
  check = (m: Readonly<Model>): boolean => pick(m as Model, "ws-echo", this.i) !== undefined;
  async run(m: Model, r: Real): Promise<void> {
    const actor = pick(m, "ws-echo", this.i)!;
    const socket = r.ctx.ws(actor.ref.actorId, "/echo");
    const accepted = await socket.accepted();
    expect(r.ctx, accepted.outcome === "open", "the socket was refused");
    for (const text of this.messages) socket.send(text);
    const got = this.messages.length === 0 ? [] : (await socket.waitMessages(this.messages.length)).map((x) => x.data);
    expect(r.ctx, JSON.stringify(got) === JSON.stringify(this.messages), `echoes ${JSON.stringify(got)}, sent ${JSON.stringify(this.messages)}`);
    socket.close(1000, "done");
  }
  toString = (): string => `ws(#${this.i}, ${JSON.stringify(this.messages)})`;
}

const index = fc.nat({ max: 5 });
const keys = fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 4 });

const commands = fc.commands(
  [
    fc.constantFrom<Kind>("kv-probe", "http-echo", "ws-echo").map((k) => new StartActor(k)),
    index.map((i) => new StopActor(i)),
    fc.tuple(index, fc.array(fc.tuple(fc.constantFrom(...KEYS), hexValue), { minLength: 1, maxLength: 4 })).map(([i, e]) => new KvPut(i, e)),
    fc.tuple(index, keys).map(([i, k]) => new KvDelete(i, k)),
    fc.tuple(index, keys).map(([i, k]) => new KvGet(i, k)),
    fc.tuple(index, fc.boolean(), fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined })).map(([i, rev, lim]) => new KvList(i, rev, lim)),
    fc.tuple(index, fc.uint8Array({ maxLength: 64 })).map(([i, b]) => new HttpEcho(i, b)),
    fc.tuple(index, fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 })).map(([i, ms]) => new WsRoundTrip(i, ms)),
  ],
  { maxCommands: 24, size: "large" },
);

export const modelCases: RunnerCase[] = [
  {
    name: "model/random-sequences",
    level: "required",
    description: "Random sequences of actor starts and stops, KV operations, HTTP requests and WebSocket round trips behave as the model says (fast-check; --runs and --seed).",
    timeoutMs: 90_000,
    async run(ctx) {
      // Every run begins with one actor of each kind, so that every command applies from the start.
      const setup = async (): Promise<{ model: Model; real: Real }> => {
        const actors: ModelActor[] = [];
        for (const kind of ["kv-probe", "http-echo", "ws-echo"] as const) actors.push({ ref: await ctx.started(kind), kv: new Map() });
        return { model: { actors }, real: { ctx } };
      };
      const property = fc.asyncProperty(commands, (cmds) => fc.asyncModelRun(setup, cmds));
      const details = await fc.check(property, {
        numRuns: ctx.settings.runs,
        ...(ctx.settings.seed !== undefined ? { seed: ctx.settings.seed } : {}),
        // Shrinking reruns sequences against the live runner; bound it so a failure reports in time.
        interruptAfterTimeLimit: 60_000,
        markInterruptAsFailure: false,
      });
      ctx.note(`model-based: ${details.numRuns} runs, seed ${details.seed}`);
      if (!details.failed) return;
      const counterexample = details.counterexample?.[0];
      // Run the shrunk sequence once more so that the reported trace is its own.
      const since = ctx.engine.trace.mark;
      ctx.note(`replaying the shrunk sequence: ${String(counterexample)}`);
      let replayError: unknown;
      if (counterexample !== undefined) {
        try {
          await fc.asyncModelRun(setup, counterexample);
        } catch (error) {
          replayError = error;
        }
      }
      const message = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new CaseFailure(
        [
          `a sequence failed after ${details.numRuns} runs (${details.numShrinks} shrinks): ${message.split("\n")[0]}`,
          `shrunk sequence: ${String(counterexample)}`,
          `replay: --seed ${details.seed} (fast-check path ${details.counterexamplePath})`,
          replayError !== undefined ? `the shrunk sequence fails again when replayed: ${replayError instanceof Error ? replayError.message : String(replayError)}` : "the shrunk sequence passed when replayed (a timing-dependent failure)",
          `its trace starts at entry #${since}`,
        ].join("\n"),
      );
    },
  },
];
