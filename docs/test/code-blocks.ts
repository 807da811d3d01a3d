/**
 * Type-checks the TypeScript code blocks of the guides against the workspace packages, so that
 * an example in the docs cannot drift from the API it shows. Each block becomes its own module
 * in a scratch folder inside the repository (module resolution then finds `@actorwire/*` in the
 * root node_modules, through their `source` export condition, as the repository's own tsconfigs
 * do), and one TypeScript program checks them all with the options of `tsconfig.base.json`.
 *
 * Fence syntax understood here (VitePress ignores both extras when rendering):
 * - ```` ```ts [actors.ts] ```` writes the block under that file name, so later blocks of the
 *   same page can import it (`import { registry } from "./actors.js"`); VitePress shows the name
 *   only inside a code group, so the guides also open such a block with a `// actors.ts` line;
 * - ```` ```ts no-check: <reason> ```` leaves a block out; the reason is required, so that
 *   every exception says why on the page's source.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

/** One fenced TypeScript block of a markdown page. */
export interface CodeBlock {
  /** The markdown file, as given to {@link extractBlocks}. */
  readonly page: string;
  /** The 1-based line of the opening fence in the page. */
  readonly line: number;
  /** The block's text, without the fences. */
  readonly code: string;
  /** The file name from `[name.ts]`, if the fence gave one. */
  readonly fileName: string | undefined;
  /** Why the block is not checked, if the fence says `no-check: <reason>`. */
  readonly noCheckReason: string | undefined;
}

/** A compiler diagnostic mapped back to the page and line it came from. */
export interface BlockDiagnostic {
  readonly block: CodeBlock;
  /** The 1-based page line the diagnostic points at (the fence line when it has no position). */
  readonly pageLine: number;
  readonly code: number;
  readonly message: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*(.*)$/;
const TS_LANGS = new Set(["ts", "typescript"]);

/**
 * The ```ts / ```typescript blocks of a markdown text. Blocks in other languages are skipped;
 * an unclosed fence or a `no-check` without a reason is an error, naming the page and line.
 */
export function extractBlocks(markdown: string, page: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (open === null) continue;
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    const start = i;
    const body: string[] = [];
    let closed = false;
    for (i++; i < lines.length; i++) {
      const line = lines[i]!;
      const trimmed = line.trim();
      if (trimmed.startsWith(fence[0]!.repeat(fence.length)) && /^[`~]+$/.test(trimmed)) {
        closed = true;
        break;
      }
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    if (!closed) throw new Error(`${page}:${start + 1}: the code fence opened here is never closed`);
    const lang = /^[A-Za-z]+/.exec(info)?.[0]?.toLowerCase() ?? "";
    if (!TS_LANGS.has(lang)) continue;
    const fileName = /\[([^\]]+)\]/.exec(info)?.[1]?.trim();
    if (fileName !== undefined && !/^[\w.-]+\.ts$/.test(fileName)) {
      throw new Error(`${page}:${start + 1}: a block's file name must be a plain name ending in .ts, got "${fileName}"`);
    }
    let noCheckReason: string | undefined;
    const noCheck = /\bno-check\b(.*)$/.exec(info);
    if (noCheck !== null) {
      noCheckReason = noCheck[1]!.replace(/^\s*:?\s*/, "").trim();
      if (noCheckReason === "") throw new Error(`${page}:${start + 1}: a no-check block must say why ("no-check: <reason>")`);
    }
    blocks.push({ page, line: start + 1, code: `${body.join("\n")}\n`, fileName, noCheckReason });
  }
  return blocks;
}

/** The compiler options of `tsconfig.base.json`, made fit for checking loose modules. */
export function compilerOptions(repoRoot: string): ts.CompilerOptions {
  const path = join(repoRoot, "tsconfig.base.json");
  const read = ts.readConfigFile(path, (p) => ts.sys.readFile(p));
  if (read.error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, repoRoot, undefined, path);
  return {
    ...parsed.options,
    // The blocks are checked, not built: no output, no project-reference bookkeeping.
    noEmit: true,
    composite: false,
    declaration: false,
    incremental: false,
    sourceMap: false,
    types: ["node"],
  };
}

/**
 * Writes the blocks under `scratchDir` (cleared first; one folder per page) and type-checks
 * them as one program. Returns every diagnostic of a checked block, in page order; an empty
 * array means every block compiles. `scratchDir` must be inside the repository, where the
 * workspace packages resolve.
 */
export function checkBlocks(blocks: readonly CodeBlock[], scratchDir: string, repoRoot: string): BlockDiagnostic[] {
  rmSync(scratchDir, { recursive: true, force: true });
  mkdirSync(scratchDir, { recursive: true });
  const fileOf = new Map<string, CodeBlock>();
  for (const block of blocks) {
    if (block.noCheckReason !== undefined) continue;
    const pageDir = join(scratchDir, block.page.replace(/\.md$/, "").replace(/[^\w-]+/g, "_"));
    const file = join(pageDir, block.fileName ?? `block-line-${block.line}.ts`);
    if (fileOf.has(file)) throw new Error(`${block.page}:${block.line}: another block of this page is already named ${block.fileName}`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, block.code);
    fileOf.set(file, block);
  }
  // The scratch folder is ESM, as the packages are, so that blocks may use top-level await.
  writeFileSync(join(scratchDir, "package.json"), `${JSON.stringify({ type: "module", private: true })}\n`);

  const program = ts.createProgram({ rootNames: [...fileOf.keys()], options: compilerOptions(repoRoot) });
  const out: BlockDiagnostic[] = [];
  for (const diagnostic of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
    // A broken configuration would make every block fail for one reason; say it once.
    throw new Error(`the code-block checker's compiler options are wrong: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`);
  }
  for (const [file, block] of fileOf) {
    const source = program.getSourceFile(file);
    if (source === undefined) throw new Error(`${block.page}:${block.line}: the compiler did not load ${relative(repoRoot, file)}`);
    for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const lineInBlock = diagnostic.start === undefined ? -1 : source.getLineAndCharacterOfPosition(diagnostic.start).line;
      out.push({
        block,
        pageLine: lineInBlock < 0 ? block.line : block.line + 1 + lineInBlock,
        code: diagnostic.code,
        message: ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"),
      });
    }
  }
  return out;
}

/** One line per diagnostic: `page:line (block at line N): TS1234 message`. */
export function formatDiagnostic(d: BlockDiagnostic): string {
  return `${d.block.page}:${d.pageLine} (block at line ${d.block.line}): TS${d.code} ${d.message}`;
}

/** Reads a markdown page and extracts its blocks, naming it relative to `base` in messages. */
export function blocksOfPage(path: string, base: string): CodeBlock[] {
  return extractBlocks(readFileSync(path, "utf8"), relative(base, path).replace(/\\/g, "/"));
}
