/**
 * The site's VitePress configuration. The sidebar is built from the pages on disk (generated
 * and written), so a new page or a new protocol family needs no change here: each section's
 * pages are ordered by their `order` frontmatter, then by file name, and titled by their first
 * `# ` heading.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { defineConfig, type DefaultTheme } from "vitepress";

const srcDir = join(import.meta.dirname, "../src");

interface Page {
  readonly link: string;
  readonly text: string;
  readonly order: number;
  readonly file: string;
}

function pagesUnder(dir: string): Page[] {
  const out: Page[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) continue;
    if (!name.endsWith(".md")) continue;
    const text = readFileSync(path, "utf8");
    const title = /^#\s+(.+)$/m.exec(text)?.[1]?.replace(/`/g, "") ?? name.replace(/\.md$/, "");
    const order = Number(/^order:\s*(-?\d+)\s*$/m.exec(text.startsWith("---") ? text.slice(0, text.indexOf("---", 3)) : "")?.[1] ?? 1000);
    const rel = relative(srcDir, path).replace(/\\/g, "/").replace(/(^|\/)index\.md$/, "$1").replace(/\.md$/, "");
    // A page named like a file (`root-codec.js.md`, from typedoc) keeps its `.md`, which
    // VitePress turns into `.html`; without it the link would look like an asset and skip the base.
    const last = rel.split("/").at(-1) ?? "";
    out.push({ link: last.includes(".") ? `/${rel}.md` : `/${rel}`, text: title, order, file: name });
  }
  return out.sort((a, b) => a.order - b.order || a.file.localeCompare(b.file));
}

/**
 * One sidebar group per folder (the folder's own pages first, then one group per subfolder),
 * labelled by the section's title and the folder's path in it. typedoc nests namespaces in
 * `namespaces/` folders; that word is left out of the labels.
 */
function sidebarFor(section: string, title: string): DefaultTheme.SidebarItem[] {
  const root = join(srcDir, section);
  const groups: DefaultTheme.SidebarItem[] = [];
  const walk = (dir: string, path: readonly string[]): void => {
    const items = pagesUnder(dir).map((p) => ({ text: p.text, link: p.link }));
    const label = path.length === 0 ? title : path.join(" › ");
    if (items.length > 0) groups.push({ text: label, items, collapsed: groups.length > 0 && items.length > 12 });
    for (const name of readdirSync(dir).sort()) {
      const child = join(dir, name);
      if (statSync(child).isDirectory()) walk(child, name === "namespaces" ? path : [...path, name]);
    }
  };
  try {
    walk(root, []);
  } catch {
    // A section not generated yet has no sidebar.
  }
  return groups;
}

// The site works from any path prefix: DOCS_BASE=/actorwire/ npm run docs.
const base = process.env.DOCS_BASE ?? "/";

export default defineConfig({
  title: "actorwire",
  description: "Rivet-compatible actors: protocol reference, guides and API.",
  srcDir: "src",
  // DOCS_OUT builds elsewhere (the browser test builds under a prefix into a temp folder).
  outDir: process.env.DOCS_OUT ?? "dist",
  base,
  cleanUrls: false,
  lastUpdated: false,
  // Everything the site loads comes from itself: no fonts or scripts from a CDN.
  // (VitePress does not put the base in front of `head` links, so it is added here.)
  head: [["link", { rel: "icon", type: "image/svg+xml", href: `${base}favicon.svg` }]],
  // The decoder bundles @actorwire/protocol for the browser from its TypeScript source (the
  // workspace's "source" condition), so the site never shows a stale build of the codecs.
  vite: { resolve: { conditions: ["source"] } },
  themeConfig: {
    search: { provider: "local" },
    nav: [
      { text: "Guides", link: "/guide/" },
      { text: "Protocol", link: "/protocol/" },
      { text: "Decoder", link: "/decoder" },
      { text: "HTTP API", link: "/http-api/" },
      { text: "API reference", link: "/api/" },
    ],
    sidebar: {
      "/guide/": sidebarFor("guide", "Guides"),
      "/protocol/": sidebarFor("protocol", "Protocol"),
      "/http-api/": sidebarFor("http-api", "HTTP API"),
      "/api/": sidebarFor("api", "API reference"),
    },
    outline: { level: [2, 3] },
  },
});
