/**
 * The client in a real browser: a page bundled with esbuild for the browser platform, served
 * from its own origin (so every engine call is cross-origin, with CORS), run in headless
 * Chromium, calls an action on a rivetkit actor on Rivet's engine and receives an event.
 *
 * Chromium must be installed (Debian: `apt-get install chromium`); without it this test fails
 * loudly, it never skips.
 */
import { existsSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { build } from "esbuild";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClientTestStack, rivetkitStack } from "./support/stack.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

describe("client in headless Chromium against rivetkit on rivet-engine", () => {
  let stack: ClientTestStack;
  let server: Server;
  let browser: Browser;
  let pageUrl: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install the Debian package "chromium" (apt-get install -y chromium) to run the browser test`);
    }
    const bundle = await build({
      entryPoints: [resolve(import.meta.dirname, "browser/page.ts")],
      bundle: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      write: false,
      conditions: ["source"],
      logLevel: "silent",
    });
    const script = bundle.outputFiles[0]!.text;
    // The browser build must not pull in Node-only modules.
    expect(script).not.toMatch(/from\s*"node:|require\("node:/);
    server = createServer((req, res) => {
      if (req.url === "/page.js") {
        res.writeHead(200, { "content-type": "text/javascript" });
        res.end(script);
        return;
      }
      res.writeHead(200, { "content-type": "text/html" });
      res.end('<!doctype html><html><head><script type="module" src="/page.js"></script></head><body>client</body></html>');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    [stack, browser] = await Promise.all([rivetkitStack(), chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS })]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await stack?.close();
  }, 30_000);

  for (const encoding of ["bare", "json"] as const) {
    it(`calls an action and receives an event (${encoding})`, async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(pageUrl);
      await page.waitForFunction(() => typeof (globalThis as { runScenario?: unknown }).runScenario === "function");
      const result = await page.evaluate(
        ([endpoint, enc, key]) =>
          (globalThis as unknown as { runScenario(e: string, enc: string, k: string): Promise<unknown> }).runScenario(endpoint, enc, key),
        [stack.endpoint, encoding, `browser-${encoding}-${Date.now()}`] as const,
      );
      expect(result).toEqual({ stateless: 2, viaConnection: 5, event: 5, status: "connected", webSocketGlobal: true });
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
