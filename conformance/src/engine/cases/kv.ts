/**
 * `engine/kv/…`: the actor's KV as the engine stores it, driven through `c.kv` of an actor on
 * our runner: put, get, prefix list and delete of text and binary entries, and entries that
 * outlive a sleep.
 */
import type { EngineCase } from "../context.js";
import { call, untilAsleep } from "./helpers.js";

export const kvCases: EngineCase[] = [
  {
    area: "kv",
    name: "round-trip",
    level: "required",
    description: "c.kv put, get, prefix list and delete round-trip through the engine, for text and for binary keys and values.",
    async run(ctx) {
      const handle = ctx.client().getOrCreate("kv", ctx.key("kv-rt"));
      ctx.equal(await call(handle, "get", "missing"), null, "get of a key never put");
      await call(handle, "put", "fruit/apple", "red");
      await call(handle, "put", "fruit/banana", "yellow");
      await call(handle, "put", "veg/leek", "green");
      ctx.equal(await call(handle, "get", "fruit/apple"), "red", "get fruit/apple");
      ctx.equal(await call(handle, "list", "fruit/"), [["fruit/apple", "red"], ["fruit/banana", "yellow"]], "list of prefix fruit/");
      await call(handle, "remove", "fruit/apple");
      ctx.equal(await call(handle, "get", "fruit/apple"), null, "get fruit/apple after its delete");
      ctx.equal(await call(handle, "list", "fruit/"), [["fruit/banana", "yellow"]], "list of prefix fruit/ after the delete");
      const key = [0, 255, 1, 0];
      const value = Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
      await call(handle, "putBinary", key, value);
      ctx.equal(await call(handle, "getBinary", key), value, "the binary value under a binary key");
    },
  },
  {
    area: "kv",
    name: "survives-sleep",
    level: "required",
    description: "Entries put with c.kv are there after the actor slept and woke.",
    async run(ctx) {
      const handle = ctx.client().getOrCreate("kv", ctx.key("kv-sleep"));
      // Large enough to span several of Rivet's 10 KB value chunks, under the 64 KiB message limit.
      const big = "v".repeat(40_000);
      await call(handle, "put", "kept", big);
      const actorId = await handle.resolve();
      await call(handle, "sleep");
      await untilAsleep(ctx, actorId);
      ctx.equal(await call(handle, "get", "kept"), big, "the 40 kB value after a sleep and wake");
    },
  },
];
