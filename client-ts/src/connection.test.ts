/**
 * Connection behaviour that needs a peer misbehaving on purpose: a loopback WebSocket server
 * stands in for the gateway and speaks the client protocol in json. (The end-to-end cases in
 * `test/` cover the same paths against real engines and actor runtimes where they can be
 * provoked there.)
 */
import type { AddressInfo } from "node:net";
import { clientMessages } from "@actorwire/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket as ServerSocket } from "ws";
import { ActorError } from "./actor-error.js";
import { createClient } from "./client.js";
import { ClientConnectionLostError } from "./errors.js";

interface FakeGateway {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** A gateway whose `/connect` sockets get `Init`, then `onAction` for every action frame. */
async function fakeGateway(onAction: (socket: ServerSocket, name: string, id: bigint) => void): Promise<FakeGateway> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: (protocols) => (protocols.has("rivet") ? "rivet" : false) });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  server.on("connection", (socket) => {
    socket.send(clientMessages.ToClient.encode({ tag: "Init", val: { actorId: "actor-1", connectionId: "conn-1" } } as never, "json") as string);
    socket.on("message", (data) => {
      const { value } = clientMessages.ToServer.decode(data.toString(), "json");
      if (value.tag === "ActionRequest") onAction(socket, value.val.name, value.val.id);
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of server.clients) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

let gateway: FakeGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

describe("a connection closed by the actor", () => {
  it("fails the calls in flight with the Error the actor sent before closing, not connection_lost", async () => {
    gateway = await fakeGateway((socket, name) => {
      if (name !== "doom") return;
      socket.send(
        clientMessages.ToClient.encode(
          { tag: "Error", val: { group: "user", code: "kicked", message: "you are out", metadata: { why: 1 }, actionId: null } } as never,
          "json",
        ) as string,
      );
      socket.close(1011, "user.kicked");
    });
    const client = createClient({ endpoint: gateway.endpoint, encoding: "json", disableMetadataLookup: true, connection: { minReconnectDelayMs: 60_000 } });
    try {
      const conn = client.getForId("counter", "actor-1").connect();
      const errors: Error[] = [];
      conn.onError((e) => errors.push(e));
      await conn.ready;
      const waiting = conn.action({ name: "neverAnswered", args: [] });
      const doom = conn.action({ name: "doom", args: [] });
      for (const err of [await rejection(waiting), await rejection(doom)]) {
        expect(err).toBeInstanceOf(ActorError);
        expect(err).not.toBeInstanceOf(ClientConnectionLostError);
        expect(err).toMatchObject({ group: "user", code: "kicked", message: "you are out", metadata: { why: 1 } });
      }
      // Reported once to onError, not again for the close reason that repeats it.
      expect(errors.map((e) => (e as ActorError).code)).toEqual(["kicked"]);
    } finally {
      await client.dispose();
    }
  });

  it("fails them with the close reason when there was no Error frame, and with connection_lost when there is no reason", async () => {
    gateway = await fakeGateway((socket, name) => {
      if (name === "tooLong") socket.close(1011, "message.incoming_too_long");
      if (name === "cut") socket.terminate();
    });
    const client = createClient({ endpoint: gateway.endpoint, encoding: "json", disableMetadataLookup: true, connection: { minReconnectDelayMs: 50, maxReconnectDelayMs: 50 } });
    try {
      const conn = client.getForId("counter", "actor-1").connect();
      await conn.ready;
      const reasoned = await rejection(conn.action({ name: "tooLong", args: [] }));
      expect(reasoned).toBeInstanceOf(ActorError);
      expect(reasoned).toMatchObject({ group: "message", code: "incoming_too_long" });
      // It reconnects; a socket cut without a reason is a lost connection.
      const cut = await rejection(conn.action({ name: "cut", args: [] }));
      expect(cut).toBeInstanceOf(ClientConnectionLostError);
    } finally {
      await client.dispose();
    }
  });
});
