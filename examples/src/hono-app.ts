/**
 * The demo actors inside a web app: a Hono server whose `/api/rivet/*` routes are the
 * registry's fetch handler (`registry.handler`), next to the app's own routes. The first
 * request to `/api/rivet` starts the runner; clients can be given the app's URL
 * (`createClient("http://127.0.0.1:3000/api/rivet")`) and find the engine through it.
 *
 * Run: RIVET_ENDPOINT=http://127.0.0.1:6420 node --import tsx --conditions=source examples/src/hono-app.ts [--port 3000]
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { parseArgs } from "node:util";
import { registry } from "./registry.js";

/** The app: its own routes, and the registry under `/api/rivet`. */
export function createApp(handler: (request: Request) => Promise<Response> = registry.handler): Hono {
  const app = new Hono();
  app.get("/", (c) => c.text("an app with actors; the actors are under /api/rivet"));
  app.all("/api/rivet/*", (c) => handler(c.req.raw));
  return app;
}

if (import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({ options: { port: { type: "string", default: process.env.PORT ?? "3000" } }, strict: true });
  // Once started, the runner drains on SIGINT/SIGTERM and then ends the process.
  serve({ fetch: createApp().fetch, port: Number(values.port), hostname: "127.0.0.1" }, (info) => {
    console.log(`app on http://127.0.0.1:${info.port}, actors under http://127.0.0.1:${info.port}/api/rivet`);
  });
}
