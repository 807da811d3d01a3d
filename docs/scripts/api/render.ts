/**
 * Runs typedoc over the public entry points of the documented packages and writes markdown
 * pages VitePress can build: links between pages end in `.md` (VitePress resolves those under
 * any base path), each package's pages sit in their own folder, and nothing depends on the
 * clock, the git remote or source line numbers, so the same code gives the same pages.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Application, type ProjectReflection, ReflectionKind, Renderer, type Router, type TypeDocOptions } from "typedoc";
import type { PluginOptions } from "typedoc-plugin-markdown";
import { findUndocumented, type Undocumented } from "./coverage.js";
import { API_PACKAGES, type EntryPoint, entryPointsOf } from "./entry-points.js";

/** Where to read the code and write the pages. */
export interface RenderOptions {
  /** The repository root. */
  readonly root: string;
  /** The folder the pages go in (emptied first by typedoc). */
  readonly out: string;
}

/** What a run produced. */
export interface RenderResult {
  /** Markdown files written, including the index. */
  readonly pages: number;
  /** Public declarations without a doc comment; `generated` marks those in schemas/src/gen/. */
  readonly undocumented: readonly (Undocumented & { readonly generated: boolean })[];
}

/** The typedoc and markdown-plugin options every run uses; exported for the test. */
export function typedocOptions(root: string, out: string, entries: readonly EntryPoint[]): Partial<TypeDocOptions & PluginOptions> {
  return {
    entryPoints: entries.map((e) => e.file),
    entryPointStrategy: "resolve",
    tsconfig: join(root, "docs/tsconfig.api.json"),
    plugin: ["typedoc-plugin-markdown"],
    out,
    cleanOutputDir: true,
    readme: "none",
    excludeInternal: true,
    excludePrivate: true,
    excludeExternals: true,
    // Source links would name a git remote and line numbers: noise in a diff of the pages.
    disableSources: true,
    // The packages type-check in their own build; a docs build only reads them.
    skipErrorChecking: true,
    // Missing comments are counted by coverage.ts instead (see there why).
    validation: { notExported: false, invalidLink: true, notDocumented: false, rewrittenLink: true, unusedMergeModuleWith: true },
    logLevel: "Warn",
    // typedoc-plugin-markdown: one page per module or namespace keeps the page count small
    // (the generated codec namespaces alone have thousands of members).
    outputFileStrategy: "modules",
    entryFileName: "index",
    hidePageHeader: true,
    hideBreadcrumbs: true,
    excludeScopesInPaths: true,
    useCodeBlocks: true,
    expandObjects: false,
    parametersFormat: "table",
    interfacePropertiesFormat: "table",
    classPropertiesFormat: "table",
    typeDeclarationFormat: "table",
    enumMembersFormat: "table",
    sanitizeComments: true,
    // The plugin's anchors keep underscores (`#kv_max_keys`) where VitePress's heading slugs
    // turn them into dashes; `{#id}` on each heading makes VitePress use the plugin's ids.
    useCustomAnchors: true,
    customAnchorsFormat: "curlyBrace",
  };
}

/** Names each entry module by its import specifier instead of its file path. */
function nameModules(project: ProjectReflection, entries: readonly EntryPoint[]): void {
  const byFile = new Map(entries.map((e) => [e.file, e.name]));
  for (const mod of project.children ?? []) {
    if (!mod.kindOf(ReflectionKind.Module)) continue;
    const file = project.getSymbolIdFromReflection(mod)?.fileName;
    const name = file === undefined ? undefined : byFile.get(file);
    if (name === undefined) throw new Error(`module ${mod.name} is not one of the entry points`);
    mod.name = name;
  }
  project.children?.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The landing page of the reference: one section per package (its description from its
 * package.json) linking to the page typedoc wrote for each of its entry modules.
 */
function indexPage(root: string, entries: readonly EntryPoint[], pageOf: (name: string) => string): string {
  const lines = [
    "---",
    "order: 0",
    "---",
    "",
    "# API reference",
    "",
    "Generated with typedoc from the public entry points of each package (the subpaths in its package.json `exports`).",
    "Declarations tagged `@internal`, and the `@actorwire/protocol/internal` subpath, are left out: they may change in any release.",
    "",
  ];
  for (const pkg of API_PACKAGES) {
    const manifest = JSON.parse(readFileSync(join(root, pkg.dir, "package.json"), "utf8")) as { name: string; description?: string };
    lines.push(`## ${manifest.name}`, "");
    if (manifest.description !== undefined) lines.push(manifest.description, "");
    for (const e of entries.filter((x) => x.pkg === pkg)) lines.push(`- [\`${e.name}\`](./${pageOf(e.name)})`);
    lines.push("");
  }
  return lines.join("\n");
}

/** Runs typedoc and writes every page under `options.out`. */
export async function renderApi(options: RenderOptions): Promise<RenderResult> {
  const entries = API_PACKAGES.flatMap((p) => entryPointsOf(options.root, p));
  const app = await Application.bootstrapWithPlugins(typedocOptions(options.root, options.out, entries));
  const project = await app.convert();
  if (project === undefined) throw new Error("typedoc could not convert the packages (see the errors above)");
  nameModules(project, entries);
  const undocumented = findUndocumented(project, options.root).map((u) => ({ ...u, generated: u.file.startsWith("schemas/src/gen/") }));
  app.validate(project);
  // The renderer drops its router when it is done; the index needs its page names.
  let router: Router | undefined;
  app.renderer.on(Renderer.EVENT_BEGIN, () => {
    router = app.renderer.router;
  });
  await app.generateOutputs(project);
  if (app.logger.hasErrors()) throw new Error("typedoc reported errors (see above)");
  if (router === undefined) throw new Error("typedoc rendered no pages");
  const pageOf = (name: string): string => {
    const mod = project.children?.find((m) => m.name === name);
    if (mod === undefined) throw new Error(`no module ${name}`);
    return (router as Router).getFullUrl(mod);
  };
  writeFileSync(join(options.out, "index.md"), indexPage(options.root, entries, pageOf));
  return { pages: countPages(options.out), undocumented };
}

/** How many markdown pages are under a folder. */
function countPages(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".md")).length;
}
