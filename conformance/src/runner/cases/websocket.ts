/** Tunnel WebSocket cases (`rivet-protocol.md` §1.7), against the ws-echo actor. */
import type { RunnerCase } from "../context.js";

export const websocketCases: RunnerCase[] = [
  {
    name: "ws/open",
    level: "required",
    description: "ToClientWebSocketOpen is accepted with ToServerWebSocketOpen (canHibernate false on an ordinary path).",
    async run(ctx) {
      const actor = await ctx.started("ws-echo");
      const accepted = await ctx.ws(actor.actorId, "/echo").accepted();
      ctx.check(accepted.outcome === "open", `the socket was refused: ${JSON.stringify(accepted)}`);
      ctx.check(accepted.outcome === "open" && !accepted.canHibernate, "canHibernate is true on a path that did not ask for it");
    },
  },
  {
    name: "ws/refuse",
    level: "required",
    description: "A socket the actor refuses is answered with ToServerWebSocketClose and never opened.",
    async run(ctx) {
      const actor = await ctx.started("ws-echo");
      const socket = ctx.ws(actor.actorId, "/refuse");
      const accepted = await socket.accepted();
      ctx.check(accepted.outcome === "closed", "the refused socket was opened");
    },
  },
  {
    name: "ws/messages-in-order",
    level: "required",
    description: "Sixty text and binary messages are echoed in order, each with its kind (binary flag) and bytes.",
    async run(ctx) {
      const actor = await ctx.started("ws-echo");
      const socket = ctx.ws(actor.actorId, "/echo");
      ctx.check((await socket.accepted()).outcome === "open", "refused");
      const sent: (string | Uint8Array)[] = [];
      for (let i = 0; i < 60; i++) {
        const data = i % 3 === 0 ? new Uint8Array([i, 0, 255, i]) : `message ${i} ✓`;
        sent.push(data);
        socket.send(data);
      }
      const got = await socket.waitMessages(60);
      got.forEach((m, i) => {
        const want = sent[i]!;
        const same = typeof want === "string" ? m.data === want && !m.binary : m.binary && Buffer.from(m.data as Uint8Array).equals(Buffer.from(want));
        ctx.check(same, `message ${i}: got ${m.binary ? "binary" : "text"} ${JSON.stringify(typeof m.data === "string" ? m.data : [...m.data])}, sent ${JSON.stringify(typeof want === "string" ? want : [...want])}`);
      });
    },
  },
  {
    name: "ws/burst-order",
    level: "required",
    description: "A hundred messages the actor sends in a row reach the engine in order.",
    async run(ctx) {
      const actor = await ctx.started("ws-echo");
      const socket = ctx.ws(actor.actorId, "/echo");
      await socket.accepted();
      socket.send("burst:100");
      const got = await socket.waitMessages(100);
      const texts = got.map((m) => m.data);
      ctx.check(texts.every((t, i) => t === String(i)), `order: ${texts.slice(0, 20).join(",")}…`);
    },
  },
  {
    name: "ws/close-code",
    level: "required",
    description: "An actor's close carries its code and reason in ToServerWebSocketClose (hibernate false), and nothing follows it.",
    async run(ctx) {
      const actor = await ctx.started("ws-echo");
      const socket = ctx.ws(actor.actorId, "/echo");
      await socket.accepted();
      socket.send("close:4001:bye now");
      const close = await socket.waitClose();
      ctx.check(close.code === 4001 && close.reason === "bye now" && !close.hibernate, `close ${JSON.stringify(close)}`);
      socket.send("after close");
      await ctx.alive();
      ctx.check(socket.messages().length === 0, "messages after the close");
    },
  },
  {
    name: "ws/client-close",
    level: "required",
    description: "After the engine closes a socket (ToClientWebSocketClose) the runner sends no more messages on it and keeps serving others.",
    async run(ctx) {
      const actor = await ctx.started("ws-echo");
      const socket = ctx.ws(actor.actorId, "/echo");
      await socket.accepted();
      socket.send("one");
      await socket.waitMessages(1);
      socket.close(1000, "bye");
      const other = ctx.ws(actor.actorId, "/echo");
      await other.accepted();
      other.send("still here");
      await other.waitMessages(1);
      ctx.check(socket.messages().length === 1, `${socket.messages().length - 1} messages after the engine's close`);
    },
  },
  {
    name: "ws/large-message",
    level: "required",
    description: "A 1 MiB binary message is echoed whole.",
    async run(ctx) {
      const actor = await ctx.started("ws-echo");
      const socket = ctx.ws(actor.actorId, "/echo");
      await socket.accepted();
      const big = new Uint8Array(1 << 20).map((_, i) => i % 253);
      socket.send(big);
      const [echo] = await socket.waitMessages(1);
      ctx.check(echo!.binary && Buffer.from(echo!.data as Uint8Array).equals(Buffer.from(big)), `the echo has ${(echo!.data as Uint8Array).length} bytes`);
    },
  },
  {
    name: "ws/unknown-actor",
    level: "recommended",
    description: "A socket for an actor the runner does not host is refused with ToServerWebSocketClose, not left hanging.",
    async run(ctx) {
      const accepted = await ctx.ws(ctx.ids.actorId("nobody"), "/echo").accepted(2000);
      ctx.check(accepted.outcome === "closed", "the socket was opened");
    },
  },
  {
    name: "ws/hibernatable",
    level: "recommended",
    description: "A socket the actor wants to keep across sleep is opened with canHibernate=true, and each handled message is acknowledged with its gateway index.",
    async run(ctx) {
      const actor = await ctx.started("ws-echo");
      const socket = ctx.ws(actor.actorId, "/hibernatable");
      const accepted = await socket.accepted();
      ctx.check(accepted.outcome === "open" && accepted.canHibernate, `accepted as ${JSON.stringify(accepted)}`);
      const indices = [socket.send("a"), socket.send("b"), socket.send("c")];
      await socket.waitMessages(3);
      await ctx.waitFor(
        () => {
          const acked = socket.received().flatMap((k) => (k.tag === "ToServerWebSocketMessageAck" ? [k.val.index] : []));
          return acked.includes(indices[2]!) ? true : undefined;
        },
        `a ToServerWebSocketMessageAck for index ${indices[2]}`,
        5000,
      );
    },
  },
];
