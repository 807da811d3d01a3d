/**
 * The parity table: several JSON reports of the same suite (one per implementation) side by
 * side, one row per case, as Markdown. `actorwire-conformance parity a.json b.json` prints it;
 * the README's table of Rivet's runner against ours is made this way.
 */
import { readFileSync } from "node:fs";

interface ReportCase {
  name: string;
  level: string;
  outcome: string;
}

interface Report {
  command: string;
  cases: ReportCase[];
  groups: { group: string; required: { passed: number; total: number }; recommended: { passed: number; total: number } }[];
}

const MARK: Record<string, string> = {
  passed: "pass",
  failed: "**FAIL**",
  "expected-failure": "fail (known)",
  "unexpected-pass": "pass (listed as failing)",
  skipped: "skipped",
};

/** Markdown for the reports given as `[column title, JSON file]` pairs. */
export function parityTable(columns: readonly (readonly [string, string])[]): string {
  const reports = columns.map(([, file]) => JSON.parse(readFileSync(file, "utf8")) as Report);
  const names: string[] = [];
  const levels = new Map<string, string>();
  for (const report of reports) {
    for (const c of report.cases) {
      if (!levels.has(c.name)) names.push(c.name);
      levels.set(c.name, c.level);
    }
  }
  const out = [`| case | level | ${columns.map(([title]) => title).join(" | ")} |`, `|---|---|${columns.map(() => "---").join("|")}|`];
  for (const name of names) {
    const cells = reports.map((r) => {
      const c = r.cases.find((x) => x.name === name);
      return c === undefined ? "–" : (MARK[c.outcome] ?? c.outcome);
    });
    out.push(`| \`${name}\` | ${levels.get(name)} | ${cells.join(" | ")} |`);
  }
  const totals = reports.map((r) =>
    r.groups
      .filter((g) => g.required.total + g.recommended.total > 0)
      .map((g) => `${g.required.passed}/${g.required.total} req, ${g.recommended.passed}/${g.recommended.total} rec`)
      .join("; "),
  );
  out.push(`| **total** | | ${totals.join(" | ")} |`);
  return `${out.join("\n")}\n`;
}
