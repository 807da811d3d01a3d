/**
 * The built docs site in a real browser. The site is built under a path prefix into a temp
 * folder (so a site that only works at `/` fails here), served by a plain static server on
 * loopback, and crawled in headless Chromium: every internal link must load, every `#anchor`
 * must exist on its page, and no page may log a console error or fail a request. Then the
 * local search must find a protocol type and a guide, and the decoder must decode a golden
 * vector. Screenshots of four pages go to `docs/screenshots/` (git-ignored) to look at.
 *
 * Chromium must be installed (Debian: `apt-get install chromium`); without it this test fails
 * loudly, it never skips.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const BASE = "/actorwire-docs/";
const docs = resolve(import.meta.dirname, "..");
const screenshots = join(docs, "screenshots");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".png": "image/png",
  ".txt": "text/plain",
};

/** Runs the site build (every generator, then VitePress) with the prefix, into `out`. */
function buildSite(out: string): Promise<void> {
  return new Promise((resolveBuild, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", join(docs, "scripts/build.ts")], {
      cwd: docs,
      env: { ...process.env, DOCS_BASE: BASE, DOCS_OUT: out },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolveBuild() : reject(new Error(`the docs build failed (${code}):\n${output.slice(-4000)}`))));
  });
}

/** Serves `root` at `BASE` only: anything outside the prefix is a 404, as on a real subpath. */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (!path.startsWith(BASE)) {
      res.writeHead(404).end("outside the site's prefix");
      return;
    }
    let file = normalize(join(root, path.slice(BASE.length)));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r(server)));
}

describe("the docs site in headless Chromium", () => {
  let out: string;
  let server: Server;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install the Debian package "chromium" (apt-get install -y chromium) to run the browser test`);
    }
    out = mkdtempSync(join(tmpdir(), "actorwire-docs-site-"));
    await buildSite(out);
    server = await serve(out);
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    mkdirSync(screenshots, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    if (out !== undefined) rmSync(out, { recursive: true, force: true });
  });

  /** A page that records console errors, uncaught errors and failed requests. */
  async function watchedPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`console error on ${page.url()}: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`uncaught on ${page.url()}: ${String(err)}`));
    page.on("requestfailed", (req) => {
      // VitePress prefetches the chunks of linked pages; leaving a page aborts those fetches.
      const error = req.failure()?.errorText ?? "";
      if (error !== "net::ERR_ABORTED") problems.push(`request failed on ${page.url()}: ${req.url()} ${error}`);
    });
    page.on("response", (res) => {
      if (res.status() >= 400) problems.push(`${res.status()} on ${page.url()}: ${res.url()}`);
    });
    return { page, problems };
  }

  it("loads every internal link, finds every anchor, and logs no errors", async () => {
    const { page, problems } = await watchedPage();
    const start = `${origin}${BASE}`;
    const queue = [start];
    const visited = new Set<string>();
    const idsOf = new Map<string, Set<string>>();
    const links: { from: string; to: URL }[] = [];
    while (queue.length > 0) {
      const url = queue.shift()!;
      if (visited.has(url)) continue;
      visited.add(url);
      const res = await page.goto(url, { waitUntil: "load" });
      expect(res?.status(), `loading ${url}`).toBe(200);
      idsOf.set(url, new Set(await page.$$eval("[id]", (els) => els.map((e) => e.id))));
      const hrefs = await page.$$eval("a[href]", (as) => as.map((a) => (a as HTMLAnchorElement).href));
      for (const href of hrefs) {
        const to = new URL(href);
        if (to.origin !== origin) continue;
        links.push({ from: url, to });
        const target = `${to.origin}${to.pathname}`;
        if (!visited.has(target) && (to.pathname.endsWith(".html") || to.pathname.endsWith("/"))) queue.push(target);
      }
    }
    // The whole site was reached: guides, protocol pages of every family, the HTTP and API references.
    const paths = [...visited].map((u) => new URL(u).pathname.slice(BASE.length));
    for (const expected of ["guide/index.html", "protocol/runner/v7.html", "protocol/client/v4.html", "protocol/runner/v6-to-v7.html", "decoder.html", "http-api/index.html", "api/index.html"]) {
      expect(paths.some((p) => p === expected || `${p}index.html` === expected), `the crawl reached ${expected}`).toBe(true);
    }
    const broken: string[] = [];
    for (const { from, to } of links) {
      if (!to.pathname.startsWith(BASE)) {
        broken.push(`${from} links outside the site's prefix: ${to.href}`);
        continue;
      }
      const target = `${to.origin}${to.pathname}`;
      const ids = idsOf.get(target);
      if (ids === undefined) {
        // A link to a file rather than a page (an asset): it must load.
        const res = await fetch(to.href);
        if (res.status !== 200) broken.push(`${from} -> ${to.href}: ${res.status}`);
        continue;
      }
      if (to.hash.length > 1 && !ids.has(decodeURIComponent(to.hash.slice(1)))) broken.push(`${from} -> ${to.href}: no element with that id`);
    }
    expect(broken).toEqual([]);
    expect(problems).toEqual([]);
    expect(visited.size).toBeGreaterThan(40);
    await page.close();
  }, 600_000);

  it("finds a protocol type and a guide with the local search", async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${origin}${BASE}`, { waitUntil: "load" });
    const search = async (query: string): Promise<string[]> => {
      await page.click(".DocSearch-Button");
      await page.fill("#localsearch-input", query);
      await page.waitForSelector(".results .result", { timeout: 10_000 });
      const hrefs = await page.$$eval(".results .result", (as) => as.map((a) => (a as HTMLAnchorElement).href));
      await page.keyboard.press("Escape");
      return hrefs;
    };
    const kv = await search("ToServerKvRequest");
    expect(kv.some((h) => /\/protocol\/runner\/v\d+\.html/.test(h)), kv.join("\n")).toBe(true);
    const porting = await search("porting");
    expect(porting.some((h) => h.includes("/guide/porting-rivetkit.html")), porting.join("\n")).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it("decodes a golden vector in the decoder, and names the offset of a truncated one", async () => {
    const vectors = JSON.parse(readFileSync(join(docs, "../fixtures/vectors/runner/v7/ToClient.json"), "utf8")) as { cases: { name: string; hex: string }[] };
    const init = vectors.cases[0]!;
    const { page, problems } = await watchedPage();
    await page.goto(`${origin}${BASE}decoder.html`, { waitUntil: "load" });
    await page.selectOption('[data-testid="decoder-type"]', "runner/v7/ToClient");
    await page.fill('[data-testid="decoder-input"]', init.hex);
    const output = page.locator('[data-testid="decoder-output"]');
    await expect.poll(() => output.getAttribute("data-state"), { timeout: 10_000 }).toBe("ok");
    const text = await output.innerText();
    expect(text).toContain("ToClientInit");
    expect(text).toContain("runnerId");
    await page.screenshot({ path: join(screenshots, "decoder.png"), fullPage: true });
    await page.fill('[data-testid="decoder-input"]', init.hex.slice(0, 10));
    await expect.poll(() => output.getAttribute("data-state"), { timeout: 10_000 }).toBe("error");
    expect(await output.innerText()).toMatch(/at byte \d+/);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it("saves screenshots of the home page, a type page and a diff page", async () => {
    const { page, problems } = await watchedPage();
    for (const [name, path] of [
      ["home", ""],
      ["type-page", "protocol/runner/v7.html#ToServerKvRequest"],
      ["diff-page", "protocol/runner/v6-to-v7.html"],
    ] as const) {
      await page.goto(`${origin}${BASE}${path}`, { waitUntil: "load" });
      await page.screenshot({ path: join(screenshots, `${name}.png`) });
      expect(existsSync(join(screenshots, `${name}.png`))).toBe(true);
    }
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
