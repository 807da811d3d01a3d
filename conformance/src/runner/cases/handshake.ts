/** Connection and handshake cases (`rivet-protocol.md` §1.1–1.2, §1.8). */
import { CaseFailure, type RunnerCase } from "../context.js";

function firstConnection(ctx: Parameters<RunnerCase["run"]>[0]) {
  const conn = ctx.engine.connections.find((c) => ctx.engine.trace.entries.some((e) => e.kind === "open" && e.conn === c.id && e.seq >= ctx.processStart));
  if (conn === undefined) ctx.fail("no connection from this runner process");
  return conn;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export const handshakeCases: RunnerCase[] = [
  {
    name: "handshake/url",
    level: "required",
    fresh: true,
    description: "The runner connects to /runners/connect with protocol_version=7, the namespace from RIVET_NAMESPACE and a non-empty runner_key.",
    async run(ctx) {
      const url = firstConnection(ctx).url;
      ctx.check(url.pathname === "/runners/connect", `path is ${url.pathname}, not /runners/connect`);
      ctx.check(url.searchParams.get("protocol_version") === "7", `protocol_version is ${url.searchParams.get("protocol_version")}, not 7`);
      ctx.check(url.searchParams.get("namespace") === ctx.env.namespace, `namespace is ${url.searchParams.get("namespace")}, not ${ctx.env.namespace}`);
      ctx.check((url.searchParams.get("runner_key") ?? "") !== "", "runner_key is missing or empty");
    },
  },
  {
    name: "handshake/subprotocols",
    level: "required",
    fresh: true,
    description: "The runner offers the WebSocket subprotocol `rivet`, and `rivet_token.<token>` when RIVET_TOKEN is set.",
    async run(ctx) {
      const offered = firstConnection(ctx).protocols;
      ctx.check(offered.includes("rivet"), `subprotocols offered: ${JSON.stringify(offered)}; "rivet" is missing`);
      ctx.check(offered.includes(`rivet_token.${ctx.env.token}`), `subprotocols offered: ${JSON.stringify(offered)}; "rivet_token.${ctx.env.token}" is missing`);
    },
  },
  {
    name: "handshake/init-first",
    level: "required",
    fresh: true,
    description: "The first frame on the connection is ToServerInit, sent without waiting for the engine.",
    async run(ctx) {
      const conn = firstConnection(ctx);
      const first = ctx.engine.trace.entries.find((e) => e.conn === conn.id && (e.kind === "recv" || e.kind === "recv-invalid"));
      ctx.check(first !== undefined && first.kind === "recv" && first.message.tag === "ToServerInit", "the first frame is not ToServerInit");
    },
  },
  {
    name: "handshake/init-fields",
    level: "required",
    fresh: true,
    description: "ToServerInit names the runner RIVET_RUNNER, advertises slots, and its metadata and actor-name metadata are JSON.",
    async run(ctx) {
      const init = firstConnection(ctx).init;
      if (init === undefined) throw new CaseFailure("no ToServerInit");
      ctx.check(init.name === ctx.env.runnerName, `name is ${JSON.stringify(init.name)}, not ${JSON.stringify(ctx.env.runnerName)}`);
      ctx.check(init.totalSlots > 0, `totalSlots is ${init.totalSlots}`);
      ctx.check(init.metadata === null || isJson(init.metadata), `metadata is not JSON: ${init.metadata}`);
      for (const [name, actorName] of init.prepopulateActorNames ?? []) {
        ctx.check(isJson(actorName.metadata), `prepopulateActorNames.${name}.metadata is not JSON: ${actorName.metadata}`);
      }
    },
  },
  {
    name: "handshake/total-slots-from-env",
    level: "recommended",
    fresh: true,
    description: "ToServerInit.totalSlots is RIVET_TOTAL_SLOTS.",
    async run(ctx) {
      const init = firstConnection(ctx).init;
      ctx.check(init?.totalSlots === ctx.env.totalSlots, `totalSlots is ${init?.totalSlots}, not ${ctx.env.totalSlots}`);
    },
  },
  {
    name: "ping/pong-echoes-ts",
    level: "required",
    description: "ToClientPing is answered with ToServerPong carrying the same ts (including values past 2^53).",
    async run(ctx) {
      for (const ts of [1n, BigInt(Date.now()), 9_007_199_254_740_993n, 9_223_372_036_854_775_807n]) {
        const since = ctx.engine.trace.mark;
        ctx.conn().send({ tag: "ToClientPing", val: { ts } });
        await ctx.waitFor((e) => (e.kind === "recv" && e.message.tag === "ToServerPong" ? e.message.val.ts : undefined), `a pong for ts ${ts}`, 5000, since).then((got) =>
          ctx.check(got === ts, `pong carried ts ${got}, the ping ${ts}`),
        );
      }
    },
  },
];
