/**
 * The limits and error-code pages, rendered from `LIMITS` (`schemas/src/limits.ts`) and
 * `ERROR_CODES` (`schemas/src/error-codes.ts`). The limits table names no tests, so the tests
 * that check each limit are found in the repository's test files: those that name the limit's
 * id or the error its "one over" answer gives, each shown by the test (`it(...)`) it is in.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { ErrorCodeInfo, Limit } from "@actorwire/protocol";
import { page, prose, table } from "./markdown.js";

/** The test that checks every limit in the table against the constant each package enforces. */
const AGREEMENT_TEST = "release/src/limits-page.test.ts";
/** Tests listed per limit at most. */
const MAX_TESTS = 4;
const SKIPPED_DIRS = new Set(["node_modules", "dist", ".git", "docs"]);

/** One test file's path (from the repository root) and text. */
export interface TestFile {
  readonly path: string;
  readonly text: string;
}

/** Every `*.test.ts` under the repository's top-level folders. */
export function readTestFiles(root: string): TestFile[] {
  const out: TestFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (SKIPPED_DIRS.has(name) || name.startsWith(".")) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".test.ts")) out.push({ path: relative(root, path).replace(/\\/g, "/"), text: readFileSync(path, "utf8") });
    }
  };
  if (existsSync(root)) walk(root);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** The title of the test around line `at`: the nearest `it(`/`test(` above it. */
function enclosingTest(lines: readonly string[], at: number): string | undefined {
  for (let i = at; i >= 0; i--) {
    const m = /\b(?:it|test)(?:\.each\([^)]*\))?\(\s*(["'`])(.*?)\1/.exec(lines[i] as string);
    if (m !== null) return m[2];
  }
  return undefined;
}

/** The tests that name a limit's id or the error codes of its "one over" answer. */
export function testsForLimit(l: Limit, files: readonly TestFile[]): { path: string; title: string }[] {
  const needles = [`"${l.id}"`, ...[...l.over.matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((m) => `"${m[1]}"`)];
  const found: { path: string; title: string }[] = [];
  for (const file of files) {
    if (file.path === AGREEMENT_TEST) continue;
    const lines = file.text.split("\n");
    lines.forEach((line, i) => {
      if (!needles.some((n) => line.includes(n))) return;
      const title = enclosingTest(lines, i);
      if (title !== undefined && !found.some((f) => f.path === file.path && f.title === title)) found.push({ path: file.path, title });
    });
  }
  return found.slice(0, MAX_TESTS);
}

function amount(l: Limit): string {
  if (l.unit !== "bytes") return `${l.value.toLocaleString("en-US")} ${l.unit}`;
  if (l.value % (1024 * 1024) === 0) return `${l.value / (1024 * 1024)} MiB`;
  if (l.value % 1024 === 0) return `${l.value / 1024} KiB (${l.value.toLocaleString("en-US")} bytes)`;
  return `${l.value.toLocaleString("en-US")} bytes`;
}

/** The limits page. */
export function limitsPage(limits: readonly Limit[], files: readonly TestFile[]): string {
  const rows = limits.map((l) => {
    const tests = testsForLimit(l, files);
    return [
      `\`${l.id}\``,
      amount(l),
      prose(l.where),
      prose(l.what),
      prose(l.over),
      l.origin,
      tests.length === 0 ? "—" : tests.map((t) => `\`${t.path}\`: ${prose(t.title)}`).join("<br>"),
    ];
  });
  const body = [
    "# Limits",
    "",
    "Every documented limit of actorwire, from `LIMITS` in `schemas/src/limits.ts` (the same table `LIMITS.md` is rendered from). Each value is the largest amount accepted; one more is refused with the answer in the *one over* column.",
    "",
    `Every limit is checked against the constant each package enforces by \`${AGREEMENT_TEST}\`. The *tests* column lists the tests that name the limit or the error it answers with, found in the repository's test files when the site is built.`,
    "",
    table(["limit", "value", "where", "what", "one over", "whose number", "tests"], rows, ["l", "r"]),
  ];
  return page({ order: 900 }, body.join("\n"));
}

const SOURCE_NAMES: Readonly<Record<string, string>> = {
  engine: "`@actorwire/engine`",
  runner: "`@actorwire/runner` (runner connection)",
  actor: "`@actorwire/runner` (actor runtime)",
  client: "`@actorwire/client`",
  protocol: "`@actorwire/protocol`",
};

/** The error-code page, one table per group. */
export function errorsPage(codes: Readonly<Record<string, ErrorCodeInfo>>): string {
  const groups = new Map<string, [string, ErrorCodeInfo][]>();
  for (const [id, info] of Object.entries(codes)) {
    const group = id.slice(0, id.indexOf("."));
    groups.set(group, [...(groups.get(group) ?? []), [id, info]]);
  }
  const sections = [...groups].map(([group, rows]) =>
    [
      `## ${group} {#${group}}`,
      "",
      table(
        ["id", "meaning", "HTTP status", "raised by"],
        rows.map(([id, info]) => [`\`${id}\``, prose(info.meaning), info.status === undefined ? "—" : String(info.status), info.sources.map((s) => SOURCE_NAMES[s] ?? s).join(", ")]),
      ),
    ].join("\n"),
  );
  const body = [
    "# Error codes",
    "",
    `Every \`group.code\` an actorwire package raises (${Object.keys(codes).length} of them), from \`ERROR_CODES\` in \`schemas/src/error-codes.ts\`; a test checks that every identifier the packages construct an error with is in that table. The HTTP status is given where the error answers an HTTP request.`,
    "",
    ...sections.flatMap((s) => [s, ""]),
  ];
  return page({ order: 901 }, body.join("\n"));
}
