/**
 * Every TypeScript block of the guides compiles against the packages as they are (strict, ESM,
 * the packages' `source` condition), and the checker itself catches a wrong block.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { blocksOfPage, checkBlocks, extractBlocks, formatDiagnostic, type BlockDiagnostic, type CodeBlock } from "./code-blocks.js";

const repoRoot = join(import.meta.dirname, "../..");
const guideDir = join(repoRoot, "docs/src/guide");
const scratch = join(repoRoot, "docs/.code-blocks");

function markdownFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return markdownFiles(path);
      return name.endsWith(".md") ? [path] : [];
    });
}

describe("the guides' TypeScript blocks", () => {
  const blocks: CodeBlock[] = markdownFiles(guideDir).flatMap((path) => blocksOfPage(path, repoRoot));
  let diagnostics: BlockDiagnostic[] = [];

  beforeAll(() => {
    diagnostics = checkBlocks(blocks, join(scratch, "guide"), repoRoot);
  });

  it("exist (the checker found the guides)", () => {
    expect(blocks.filter((b) => b.noCheckReason === undefined).length).toBeGreaterThan(5);
  });

  it.each(blocks.map((b) => [`${b.page}:${b.line}`, b] as const))("%s type-checks", (_name, block) => {
    if (block.noCheckReason !== undefined) {
      // Left out on purpose; the page's fence says why (the extractor refuses an empty reason).
      expect(block.noCheckReason.length).toBeGreaterThan(0);
      return;
    }
    const own = diagnostics.filter((d) => d.block === block).map(formatDiagnostic);
    expect(own).toEqual([]);
  });
});

describe("the code-block checker", () => {
  const dir = join(scratch, "checker-test");

  it("reports a wrong block with its page, line and diagnostic", () => {
    const page = ["# Page", "", "```ts", 'import { actor } from "@actorwire/runner";', "const a = actor({ state: { n: 0 }, actions: { f: (c) => c.state.n } });", 'const wrong: number = "text";', "export { a, wrong };", "```", ""].join("\n");
    const found = checkBlocks(extractBlocks(page, "bad.md"), dir, repoRoot).map(formatDiagnostic);
    expect(found).toEqual([expect.stringMatching(/^bad\.md:6 \(block at line 3\): TS2322 Type 'string' is not assignable to type 'number'/)]);
  });

  it("checks against the packages' real types (a misspelt option fails)", () => {
    const page = ["```typescript", 'import { actor } from "@actorwire/runner";', "export const a = actor({ state: {}, options: { sleepTimeot: 5 } });", "```"].join("\n");
    const found = checkBlocks(extractBlocks(page, "typo.md"), dir, repoRoot);
    expect(found.map((d) => [d.pageLine, d.code])).toEqual([[3, 2561]]);
  });

  it("lets a block import an earlier named block of the same page", () => {
    const page = [
      "```ts [actors.ts]",
      'import { actor, setup } from "@actorwire/runner";',
      "const counter = actor({ state: { n: 0 }, actions: { get: (c) => c.state.n } });",
      "export const registry = setup({ use: { counter } });",
      "```",
      "```ts",
      'import { createClient } from "@actorwire/client";',
      'import type { registry } from "./actors.js";',
      'const n: number = await createClient<typeof registry>("http://127.0.0.1:6420").counter.getOrCreate(["k"]).get();',
      "export { n };",
      "```",
    ].join("\n");
    expect(checkBlocks(extractBlocks(page, "named.md"), dir, repoRoot).map(formatDiagnostic)).toEqual([]);
  });

  it("skips other languages and a no-check block with a reason, and refuses one without", () => {
    const page = ["```sh", "npm start", "```", "```ts no-check: shows a fragment", "app.all(x)", "```"].join("\n");
    const blocks = extractBlocks(page, "skip.md");
    expect(blocks.map((b) => [b.line, b.noCheckReason])).toEqual([[4, "shows a fragment"]]);
    expect(checkBlocks(blocks, dir, repoRoot)).toEqual([]);
    expect(() => extractBlocks("```ts no-check\nx\n```\n", "why.md")).toThrow(/why\.md:1: a no-check block must say why/);
  });

  it("refuses an unclosed fence", () => {
    expect(() => extractBlocks("text\n```ts\nconst a = 1;\n", "open.md")).toThrow(/open\.md:2: the code fence opened here is never closed/);
  });
});
