import { request as httpRequest } from "node:http";
import type { Socket } from "node:net";
import { ScriptedRunner } from "@actorwire/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, MiB, bytes, clientSocket, startHarness } from "./gateway-harness.js";

// Issue 18: nothing limited a client that stops reading; 205 MiB of events to a paused
// `/connect` socket grew the engine by 190 MiB. The gateway bounds what it holds per client
// and in total, closes a WebSocket over its bound with `1008 guard.client_too_slow` and a
// reason naming the bytes and the limit, and cuts a streamed HTTP response over it. Real
// client sockets paused with `socket.pause()`; a scripted v7 runner sends until the gateway
// tells it the client is gone.

const CHUNK = 64 * 1024;
/** Far more than the loopback socket buffers and the bounds below; the test fails if reached. */
const MAX_SENT = 64 * MiB;

/** Sends `send()` repeatedly until the runner gets a tunnel message back; returns the bytes sent. */
async function floodUntilAnswered(r: ScriptedRunner, send: () => void): Promise<number> {
  let sent = 0;
  while (sent < MAX_SENT) {
    for (let i = 0; i < 16; i++) {
      send();
      sent += CHUNK;
    }
    // Let the engine read and relay the batch before looking for its answer.
    if (!(await r.quietFor(5))) return sent;
  }
  throw new Error(`the gateway kept ${sent} bytes for a paused client without closing it`);
}

describe("a WebSocket client that stops reading", () => {
  let h: Harness;
  let r: ScriptedRunner;
  beforeAll(async () => {
    h = await startHarness({ maxClientBufferedBytes: 1 * MiB, maxTotalClientBufferedBytes: 64 * MiB, slowClientCloseTimeoutMs: 30_000 });
    r = await ScriptedRunner.connect(h.endpoint);
    h.router.place("slow-ws", r.runnerId, 1);
  });
  afterAll(async () => {
    await r.close();
    await h.close();
  });

  it("is closed with 1008 guard.client_too_slow once the gateway holds more than its bound for it", async () => {
    const client = clientSocket(h.port, "/gateway/slow-ws/connect");
    const open = await r.expectTunnel("ToClientWebSocketOpen");
    const id = open.message.messageId;
    r.reply(id, { tag: "ToServerWebSocketOpen", val: { canHibernate: true } });
    await client.opened;
    r.reply(id, { tag: "ToServerWebSocketMessage", val: { data: bytes("first"), binary: false } });
    expect((await client.next()).data.toString()).toBe("first");

    const socket = (client.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    const payload = bytes(Buffer.alloc(CHUNK, 7));
    const sent = await floodUntilAnswered(r, () => r.reply(id, { tag: "ToServerWebSocketMessage", val: { data: payload, binary: true } }));
    const told = await r.expectTunnel("ToClientWebSocketClose");
    expect(told.val).toEqual({ code: 1011, reason: "ws.downstream_closed" });

    // The client reads again: what was relayed before the close, then the close frame.
    let received = 0;
    client.ws.on("message", (data: Buffer) => {
      received += data.byteLength;
    });
    socket.resume();
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    const match = /^guard\.client_too_slow: (\d+) bytes unread by the client, limit 1048576 per connection$/.exec(closed.reason);
    expect(match, closed.reason).not.toBeNull();
    const held = Number(match?.[1]);
    // Over the bound by less than one message when it was closed.
    expect(held).toBeGreaterThan(MiB);
    expect(held).toBeLessThanOrEqual(MiB + CHUNK + 64);
    expect(received).toBeLessThanOrEqual(sent);
    expect(h.gateway.inFlight).toBe(0);
  });
});

describe("all WebSocket clients together", () => {
  it("close the one holding the most once the total bound is passed", async () => {
    const h = await startHarness({ maxClientBufferedBytes: 64 * MiB, maxTotalClientBufferedBytes: 2 * MiB, slowClientCloseTimeoutMs: 30_000 });
    const r = await ScriptedRunner.connect(h.endpoint);
    try {
      h.router.place("slow-total", r.runnerId, 1);
      const client = clientSocket(h.port, "/gateway/slow-total/connect");
      const open = await r.expectTunnel("ToClientWebSocketOpen");
      const id = open.message.messageId;
      r.reply(id, { tag: "ToServerWebSocketOpen", val: { canHibernate: false } });
      await client.opened;
      r.reply(id, { tag: "ToServerWebSocketMessage", val: { data: bytes("first"), binary: false } });
      await client.next();
      const socket = (client.ws as unknown as { _socket: Socket })._socket;
      socket.pause();
      const payload = bytes(Buffer.alloc(CHUNK, 1));
      await floodUntilAnswered(r, () => r.reply(id, { tag: "ToServerWebSocketMessage", val: { data: payload, binary: true } }));
      expect((await r.expectTunnel("ToClientWebSocketClose")).val.reason).toBe("ws.downstream_closed");
      client.ws.on("message", () => {});
      socket.resume();
      const closed = await client.closed;
      expect(closed.code).toBe(1008);
      expect(closed.reason).toMatch(/^guard\.client_too_slow: \d+ bytes unread by all clients, limit 2097152 in total$/);
    } finally {
      await r.close();
      await h.close();
    }
  });
});

describe("an HTTP client that stops reading a streamed response", () => {
  it("has the response cut and the runner told to stop once the gateway holds more than its bound", async () => {
    const h = await startHarness({ maxClientBufferedBytes: 1 * MiB });
    const r = await ScriptedRunner.connect(h.endpoint);
    try {
      h.router.place("slow-http", r.runnerId, 1);
      let resumeReading: (() => void) | undefined;
      const response = new Promise<{ status: number; received: number; outcome: string }>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port: h.port, path: "/gateway/slow-http/stream" }, (res) => {
          let received = 0;
          res.once("data", (chunk: Buffer) => {
            received += chunk.byteLength;
            // Stop reading after the first bytes, until the runner has been told to stop.
            res.pause();
            resumeReading = () => {
              res.on("data", (c: Buffer) => {
                received += c.byteLength;
              });
              res.resume();
            };
          });
          res.once("end", () => resolve({ status: res.statusCode ?? 0, received, outcome: "complete" }));
          res.once("error", () => resolve({ status: res.statusCode ?? 0, received, outcome: "cut" }));
          res.once("aborted", () => resolve({ status: res.statusCode ?? 0, received, outcome: "cut" }));
        });
        req.on("error", reject);
        req.end();
      });
      const start = await r.expectTunnel("ToClientRequestStart");
      const id = start.message.messageId;
      r.reply(id, { tag: "ToServerResponseStart", val: { status: 200, headers: new Map(), body: bytes("head"), stream: true } });
      const payload = bytes(Buffer.alloc(CHUNK, 2));
      const sent = await floodUntilAnswered(r, () => r.reply(id, { tag: "ToServerResponseChunk", val: { body: payload, finish: false } }));
      await r.expectTunnel("ToClientRequestAbort");
      expect(resumeReading).toBeDefined();
      resumeReading?.();
      const got = await response;
      expect(got.status).toBe(200);
      expect(got.outcome).toBe("cut");
      expect(got.received).toBeLessThan(sent);
      expect(h.gateway.inFlight).toBe(0);
    } finally {
      await r.close();
      await h.close();
    }
  });
});
