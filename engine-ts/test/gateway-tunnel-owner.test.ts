import { ScriptedRunner, eventually } from "@actorwire/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRunnerRegistry } from "../src/runners/index.js";
import { type Harness, bytes, clientSocket, startHarness } from "./gateway-harness.js";

// Issue 18: a runner that knows a gateway ID and a request ID could write into another
// runner's hibernating client WebSocket, even from another namespace. Only the runner that
// hosts the socket now (the one it was opened on while it is open, the runner of the actor's
// current generation while it hibernates), in the socket's namespace, may write to it.

/** Opens a client socket and the runner's side of it; `canHibernate` as the runner answers. */
async function openSocket(h: Harness, r: ScriptedRunner, actorId: string, canHibernate: boolean) {
  const client = clientSocket(h.port, `/gateway/${actorId}/websocket`);
  const open = await r.expectTunnel("ToClientWebSocketOpen");
  r.reply(open.message.messageId, { tag: "ToServerWebSocketOpen", val: { canHibernate } });
  await client.opened;
  // The client is upgraded before the runner's open arrives; a first message proves it has.
  r.reply(open.message.messageId, { tag: "ToServerWebSocketMessage", val: { data: bytes("welcome"), binary: false } });
  expect((await client.next()).data.toString()).toBe("welcome");
  return { client, id: open.message.messageId };
}

/** Resolves with the next client message, or "nothing" if none arrives within `ms`. */
async function nextOrNothing(client: ReturnType<typeof clientSocket>, ms = 150): Promise<string> {
  try {
    return (await client.next(ms)).data.toString();
  } catch {
    return "nothing";
  }
}

describe("who may write to a client WebSocket", () => {
  let h: Harness;
  let owner: ScriptedRunner;
  let stranger: ScriptedRunner;
  let foreign: ScriptedRunner;
  beforeAll(async () => {
    h = await startHarness({}, { registry: new MemoryRunnerRegistry(["default", "other"]) });
    owner = await ScriptedRunner.connect(h.endpoint, { name: "owner" });
    stranger = await ScriptedRunner.connect(h.endpoint, { name: "stranger" });
    foreign = await ScriptedRunner.connect(h.endpoint, { name: "foreign", namespace: "other" });
  });
  afterAll(async () => {
    await owner.close();
    await stranger.close();
    await foreign.close();
    await h.close();
  });

  it("refuses every runner but the one hosting an open socket", async () => {
    h.router.place("open-1", owner.runnerId, 1);
    const { client, id } = await openSocket(h, owner, "open-1", true);
    stranger.reply(id, { tag: "ToServerWebSocketMessage", val: { data: bytes("from stranger"), binary: false } });
    foreign.reply(id, { tag: "ToServerWebSocketMessage", val: { data: bytes("from foreign"), binary: false } });
    foreign.reply(id, { tag: "ToServerWebSocketClose", val: { code: 4000, reason: "hijacked", hibernate: false } });
    owner.reply(id, { tag: "ToServerWebSocketMessage", val: { data: bytes("from owner"), binary: false } });
    expect((await client.next()).data.toString()).toBe("from owner");
    expect(await nextOrNothing(client)).toBe("nothing");
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    client.ws.close();
    await owner.expectTunnel("ToClientWebSocketClose");
  });

  it("refuses the old runner, other runners and other namespaces while the socket hibernates", async () => {
    h.router.place("hws-1", owner.runnerId, 1);
    const { client, id } = await openSocket(h, owner, "hws-1", true);
    h.router.stop("hws-1");
    await eventually("1 hibernating request for hws-1", () => h.gateway.hibernatingRequests("hws-1").length === 1);

    // The actor runs nowhere: nobody may write, not even the runner that used to host it.
    for (const r of [owner, stranger, foreign]) {
      r.reply(id, { tag: "ToServerWebSocketMessage", val: { data: bytes(`asleep ${r.runnerId}`), binary: false } });
    }
    owner.reply(id, { tag: "ToServerWebSocketClose", val: { code: 4000, reason: "late close", hibernate: false } });
    expect(await nextOrNothing(client)).toBe("nothing");
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    expect(h.gateway.hibernatingRequests("hws-1")).toHaveLength(1);

    // A runner of another namespace never may, even if the actor were placed on it.
    h.router.place("hws-1", foreign.runnerId, 2);
    foreign.reply(id, { tag: "ToServerWebSocketMessage", val: { data: bytes("foreign while current"), binary: false } });
    expect(await nextOrNothing(client)).toBe("nothing");
    h.router.stop("hws-1");
    await eventually("1 hibernating request for hws-1", () => h.gateway.hibernatingRequests("hws-1").length === 1);

    // The runner of the actor's current generation may; the others still may not.
    h.router.place("hws-1", stranger.runnerId, 3);
    await eventually("0 hibernating requests for hws-1", () => h.gateway.hibernatingRequests("hws-1").length === 0);
    owner.reply(id, { tag: "ToServerWebSocketMessage", val: { data: bytes("from the old runner"), binary: false } });
    stranger.reply(id, { tag: "ToServerWebSocketMessage", val: { data: bytes("from the current runner"), binary: false } });
    expect((await client.next()).data.toString()).toBe("from the current runner");
    expect(await nextOrNothing(client)).toBe("nothing");
    client.ws.close();
    const close = await stranger.expectTunnel("ToClientWebSocketClose");
    expect(close.message.messageId.requestId).toEqual(id.requestId);
  });
});
