import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, ScriptedRunner, bytes, http, startHarness, text } from "./gateway-harness.js";

// Issue 18: a request that crosses its actor's stop (sent to the runner just as the runner
// reported the generation stopped) was answered `503 actor.stopped`, and rivetkit's client
// does not retry that. Such a request reaches a runner that no longer hosts the actor, which
// answers "not hosted here" and runs nothing: the gateway now waits for that answer (a ping
// round trip tells it the runner has handled the request) and sends the request again once
// the actor is awake. A request the runner took and never answered may have run, so it is
// still never replayed.

describe("an HTTP request racing its actor's stop", () => {
  let h: Harness;
  let r: ScriptedRunner;
  beforeAll(async () => {
    h = await startHarness();
    r = await ScriptedRunner.connect(h);
  });
  afterAll(async () => {
    await r.close();
    await h.close();
  });

  it("is held for the wake and sent again when the runner answers that it does not host the actor", async () => {
    h.router.place("racing", r.runnerId, 1);
    const response = http(h.port, "/gateway/racing/action/increment", { method: "POST", body: "{}" });
    const first = await r.expectTunnel("ToClientRequestStart");
    // The generation stops before the runner has read the request...
    h.router.stop("racing");
    // ...so the runner, which no longer hosts the actor, answers as Rivet's runner does.
    r.reply(first.message.messageId, {
      tag: "ToServerResponseStart",
      val: { status: 503, headers: new Map([["x-rivet-error", "runner.actor_not_found"]]), body: bytes("Actor not found"), stream: false },
    });
    // The actor wakes; the same request is sent to the new generation and answered.
    setTimeout(() => h.router.place("racing", r.runnerId, 2), 20);
    const again = await r.expectTunnel("ToClientRequestStart");
    expect(again.val.path).toBe("/action/increment");
    expect(text(again.val.body)).toBe("{}");
    r.reply(again.message.messageId, { tag: "ToServerResponseStart", val: { status: 200, headers: new Map(), body: bytes("1"), stream: false } });
    const res = await response;
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe("1");
  });

  it("is answered 503 actor.stopped, never replayed, when the runner took it and did not answer", async () => {
    h.router.place("taken", r.runnerId, 1);
    const response = http(h.port, "/gateway/taken/action/increment", { method: "POST", body: "{}" });
    await r.expectTunnel("ToClientRequestStart");
    h.router.stop("taken");
    const res = await response;
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ group: "actor", code: "stopped" });
    expect(await r.quietFor(100)).toBe(true);
  });
});
