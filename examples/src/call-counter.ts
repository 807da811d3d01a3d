/**
 * Calls the demo counter (key "demo") with the typed client, the way an app would: one action
 * over HTTP, then a connection that receives the `newCount` event the actor broadcasts. Run it
 * from the repository root while `npm start` is running (it prints this command with its port):
 *
 *   RIVET_ENDPOINT=http://127.0.0.1:6420 node --import tsx --conditions=source examples/src/call-counter.ts
 */
import { createClient } from "@actorwire/client";
import type { registry } from "./registry.js";

const endpoint = process.env.RIVET_ENDPOINT ?? "http://127.0.0.1:6420";
const client = createClient<typeof registry>(endpoint);
const counter = client.counter.getOrCreate(["demo"]);

try {
  // A stateless call: one request through the engine's gateway, which creates the actor on first use.
  const count = await counter.increment(1);
  console.log(`increment(1) returned ${count}`);

  // A connection: subscribe to the event first, then change the counter over the same socket.
  const conn = counter.connect();
  const event = new Promise<number>((resolve) => conn.once("newCount", resolve));
  const next = await conn.increment(10);
  console.log(`increment(10) over the connection returned ${next}`);
  console.log(`newCount event: ${await event}`);
  await conn.dispose();
} finally {
  await client.dispose();
}
