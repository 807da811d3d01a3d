/**
 * The machine-readable reports of a run: JUnit XML for CI dashboards and a JSON document
 * with every case, for anything else.
 */
import type { SuiteRunResult } from "./results.js";

// Characters XML 1.0 cannot carry at all (controls, lone surrogates, U+FFFE/U+FFFF).
const NOT_XML = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function xml(text: string): string {
  return text
    .replace(NOT_XML, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/**
 * JUnit XML: one `<testsuite>` per family and version, one `<testcase>` per case. Cases known
 * to fail are `<skipped>` with the entry's reason; failures carry the request, the expected
 * and the actual answer. A failed recommended case is a `<failure type="recommended">`.
 */
export function junitXml(result: SuiteRunResult): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = result.totals.failed;
  const skipped = result.totals.skipped + result.totals.expectedFailures;
  out.push(
    `<testsuites name="actorwire-conformance ${result.suite}" tests="${result.cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(result.durationMs)}" timestamp="${result.startedAt}">`,
  );
  for (const group of result.groups) {
    const cases = result.cases.filter((c) => c.group === group.group);
    if (cases.length === 0) continue;
    const failed = cases.filter((c) => c.outcome === "failed" || c.outcome === "unexpected-pass").length;
    const skip = cases.filter((c) => c.outcome === "skipped" || c.outcome === "expected-failure").length;
    const time = cases.reduce((sum, c) => sum + c.durationMs, 0);
    out.push(`  <testsuite name="${result.suite === "codec" ? "codec/" : ""}${group.family}${group.version > 0 ? `/v${group.version}` : ""}" tests="${cases.length}" failures="${failed}" errors="0" skipped="${skip}" time="${seconds(time)}">`);
    if (result.testee !== undefined) {
      out.push(`    <properties><property name="testee" value="${xml(`${result.testee.name} ${result.testee.version}`)}"/><property name="command" value="${xml(result.command)}"/></properties>`);
    }
    for (const c of cases) {
      const classname = c.name.split("/").slice(0, 4).join(".");
      const open = `    <testcase name="${xml(c.name)}" classname="${xml(classname)}" time="${seconds(c.durationMs)}"`;
      const body = (c.detail ?? []).join("\n");
      switch (c.outcome) {
        case "passed":
          out.push(`${open}/>`);
          break;
        case "skipped":
        case "expected-failure":
          out.push(`${open}><skipped message="${xml(c.reason ?? "")}">${xml(body)}</skipped></testcase>`);
          break;
        case "failed":
        case "unexpected-pass":
          out.push(`${open}><failure message="${xml(firstLine(c.reason ?? ""))}" type="${c.outcome === "unexpected-pass" ? "unexpected-pass" : c.level}">${xml([c.reason ?? "", body].join("\n").trim())}</failure></testcase>`);
          break;
      }
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>", "");
  return out.join("\n");
}

function firstLine(text: string): string {
  return text.split("\n")[0]!;
}

/** The JSON report: the run's result as data (see the README for its fields). */
export function jsonReport(result: SuiteRunResult): string {
  return `${JSON.stringify(
    {
      tool: "actorwire-conformance",
      suite: result.suite,
      command: result.command,
      testee: result.testee ?? null,
      startedAt: result.startedAt,
      durationMs: result.durationMs,
      exitCode: result.exitCode,
      totals: result.totals,
      groups: result.groups,
      notes: result.notes,
      unmatchedKnownFailing: result.unmatchedKnownFailing.map((k) => ({ pattern: k.glob.source, where: k.where, reason: k.reason })),
      cases: result.cases,
    },
    null,
    2,
  )}\n`;
}
