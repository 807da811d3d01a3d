/**
 * Malformed frames sent to the runner (Autobahn-style robustness): the runner must not crash.
 * It may ignore the frame and keep serving on the same connection, or close that connection
 * and reconnect; either way it must then serve requests again.
 */
import { runner } from "@actorwire/protocol";
import type { CaseContext, RunnerCase } from "../context.js";
import { info } from "./lifecycle.js";

async function survives(ctx: CaseContext, send: (conn: ReturnType<CaseContext["conn"]>) => void): Promise<void> {
  const conn = ctx.conn();
  send(conn);
  await ctx.sleep(300);
  ctx.check(ctx.process.running, `the runner process ${ctx.process.describeExit()} after the malformed frame`);
  if (!conn.open) {
    ctx.note("the runner closed the connection after the malformed frame; waiting for it to reconnect");
    await ctx.reconnected(conn);
  }
  await ctx.alive();
  const actor = await ctx.started("echo");
  await info(ctx, actor.actorId);
  ctx.check(ctx.process.running, `the runner process ${ctx.process.describeExit()}`);
}

const ping = (): Uint8Array => runner.v7.encodeToClient({ tag: "ToClientPing", val: { ts: 123_456_789n } });

export const malformedCases: RunnerCase[] = [
  {
    name: "malformed/truncated",
    level: "required",
    description: "A frame cut short (a ToClientPing without its last byte) does not crash the runner.",
    timeoutMs: 30_000,
    run: (ctx) => survives(ctx, (conn) => conn.sendRaw(ping().subarray(0, ping().length - 1), "ToClientPing without its last byte")),
  },
  {
    name: "malformed/trailing-bytes",
    level: "required",
    description: "A valid frame followed by an extra byte does not crash the runner.",
    timeoutMs: 30_000,
    run: (ctx) => survives(ctx, (conn) => conn.sendRaw(new Uint8Array([...ping(), 0]), "ToClientPing followed by 00")),
  },
  {
    name: "malformed/unknown-union-tag",
    level: "required",
    description: "A ToClient union tag the protocol does not have (9) does not crash the runner.",
    timeoutMs: 30_000,
    run: (ctx) => survives(ctx, (conn) => conn.sendRaw(new Uint8Array([0x09, 0x01, 0x02]), "ToClient tag 9")),
  },
  {
    name: "malformed/unknown-nested-tag",
    level: "required",
    description: "A KV response whose KvResponseData tag is unknown (9) does not crash the runner.",
    timeoutMs: 30_000,
    run: (ctx) =>
      survives(ctx, (conn) => {
        const bytes = runner.v7.encodeToClient({ tag: "ToClientKvResponse", val: { requestId: 4_000_000_000, data: { tag: "KvPutResponse", val: null } } });
        bytes[bytes.length - 1] = 0x09;
        conn.sendRaw(bytes, "ToClientKvResponse with KvResponseData tag 9");
      }),
  },
  {
    name: "malformed/empty-frame",
    level: "required",
    description: "An empty binary frame does not crash the runner.",
    timeoutMs: 30_000,
    run: (ctx) => survives(ctx, (conn) => conn.sendRaw(new Uint8Array(), "empty frame")),
  },
  {
    name: "malformed/text-frame",
    level: "recommended",
    description: "A text frame (the protocol is binary only) does not crash the runner.",
    timeoutMs: 30_000,
    run: (ctx) => survives(ctx, (conn) => conn.sendText("hello")),
  },
  {
    name: "malformed/unknown-kv-request-id",
    level: "required",
    description: "A KV response for a request ID the runner never used is ignored.",
    timeoutMs: 30_000,
    run: (ctx) => survives(ctx, (conn) => conn.send({ tag: "ToClientKvResponse", val: { requestId: 4_000_000_001, data: { tag: "KvPutResponse", val: null } } })),
  },
];
