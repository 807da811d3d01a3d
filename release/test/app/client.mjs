// Calls the counter and waits for its event with @actorwire/client, then prints one JSON line.
import { createClient } from "@actorwire/client";

const client = createClient(process.env.RIVET_ENDPOINT);
const conn = client.counter.getOrCreate([process.argv[2] ?? "outside"]).connect();
const event = new Promise((resolve) => conn.once("newCount", resolve));
const answer = await conn.increment(7);
const seen = await event;
await client.dispose();
console.log(JSON.stringify({ answer, seen }));
