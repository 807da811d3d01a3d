import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PACKAGES, entryPointsOf } from "./entry-points.js";
import { renderApi, type RenderResult } from "./render.js";

const root = join(import.meta.dirname, "../../..");

/** VitePress's heading slug (its markdown-it-anchor `slugify`), for checking anchors. */
function slugify(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036F]/g, "")
    .replace(/[\u0000-\u001f]/g, "")
    .replace(/[\s~`!@#$%^&*()\-_+=[\]{}|\\;:"'“”‘’<>,.?/]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "")
    .replace(/^(\d)/, "_$1")
    .toLowerCase();
}

/**
 * The anchors of a page: VitePress gives each heading its explicit `{#id}`, or else the slug
 * of its text (with `-1`, `-2`… on repeats); table rows have `<a id>` elements.
 */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Set<string>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, "");
  for (const [, heading] of withoutCode.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const custom = /\s*\{#([^}]+)\}\s*$/.exec(heading ?? "");
    if (custom !== null) {
      seen.add(custom[1] ?? "");
      continue;
    }
    const text = (heading ?? "").replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/\\(.)/g, "$1").replace(/[`*]/g, "");
    const slug = slugify(text);
    let unique = slug;
    for (let i = 1; seen.has(unique); i++) unique = `${slug}-${i}`;
    seen.add(unique);
  }
  // Members listed in tables carry their anchor as an HTML element in the row.
  for (const [, id] of withoutCode.matchAll(/<a id="([^"]+)"><\/a>/g)) seen.add(id ?? "");
  return seen;
}

describe("the API reference", () => {
  let out: string;
  let result: RenderResult;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "actorwire-api-"));
    result = await renderApi({ root, out });
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("has a doc comment on every public declaration of the four packages, generated codecs included (the shrinking baseline aside)", () => {
    const baseline = readFileSync(join(import.meta.dirname, "undocumented-baseline.txt"), "utf8")
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"));
    const missing = result.undocumented.map((u) => `${u.name} (${u.kind}) in ${u.file}`);
    expect(missing.filter((m) => !baseline.includes(m)), "newly undocumented").toEqual([]);
    expect(baseline.filter((b) => !missing.includes(b)), "documented now: delete from undocumented-baseline.txt").toEqual([]);
  });

  it("links only to pages and headings that exist", () => {
    const pages = readdirSync(out, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".md")).map((f) => f.replace(/\\/g, "/"));
    const anchors = new Map(pages.map((p) => [p, anchorsOf(readFileSync(join(out, p), "utf8"))]));
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(out, page), "utf8").replace(/^```[\s\S]*?^```/gm, "");
      for (const [, href] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (href === undefined || /^[a-z]+:/i.test(href)) continue;
        const [path, anchor] = href.split("#") as [string, string | undefined];
        const target = path === "" ? page : posix.normalize(posix.join(posix.dirname(page), path));
        const targetAnchors = anchors.get(target);
        if (targetAnchors === undefined) broken.push(`${page}: ${href} (no such page)`);
        else if (anchor !== undefined && !targetAnchors.has(anchor)) broken.push(`${page}: ${href} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
    expect(result.pages).toBe(pages.length);
  });

  it("lists every package on its index page", () => {
    const index = readFileSync(join(out, "index.md"), "utf8");
    for (const name of ["@actorwire/runner", "@actorwire/client", "@actorwire/protocol", "@actorwire/engine"]) {
      expect(index).toContain(`## ${name}`);
    }
  });

  it("leaves out the not-semver internal subpath and declarations tagged @internal", () => {
    const all = readdirSync(out, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".md"))
      .map((f) => readFileSync(join(out, f), "utf8"))
      .join("\n");
    // ChainBuilder is exported only from @actorwire/protocol/internal.
    expect(all).not.toContain("ChainBuilder");
  });
});

describe("entryPointsOf", () => {
  it("reads the root and public subpaths of exports, expanding wildcards, without ./internal", () => {
    const protocol = API_PACKAGES.find((p) => p.dir === "schemas");
    if (protocol === undefined) throw new Error("no schemas package");
    const names = entryPointsOf(root, protocol).map((e) => e.name);
    expect(names).toContain("@actorwire/protocol");
    expect(names).toContain("@actorwire/protocol/descriptions");
    expect(names).toContain("@actorwire/protocol/runtime/root-codec.js");
    expect(names).not.toContain("@actorwire/protocol/internal");
    expect(names.some((n) => n.includes(".test"))).toBe(false);
  });
});
