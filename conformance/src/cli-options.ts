/**
 * What the suites' command lines share (src/cli.ts for codec and runner, src/engine/cli.ts for
 * the engine suite): the options every suite takes, the failure and summary lines they print and
 * the reports they write. It lives apart from src/cli.ts because src/cli.ts imports the engine
 * command lazily while its own top-level await is pending; the engine command importing it back
 * would never settle.
 */
import { writeFileSync } from "node:fs";
import type { CaseGlob } from "./glob.js";
import { patternsOfArgument, readKnownFailing, type KnownFailingEntry } from "./pattern-files.js";
import { jsonReport, junitXml } from "./reports.js";
import type { CaseResult, GroupSummary, SuiteRunResult } from "./results.js";

/** A bad command line: the command prints the message in one line, and exits with 2. */
export class UsageError extends Error {}

/** The command's name in messages. */
export const COMMAND = "actorwire-conformance";

/**
 * The one line a usage error prints for what went wrong (`error` from node:util's parseArgs,
 * a {@link UsageError}, or a file named by an option that cannot be read), or undefined for
 * anything else, which is a bug and keeps its stack trace.
 */
export function usageMessage(error: unknown): string | undefined {
  if (error instanceof UsageError) return error.message;
  const e = error as NodeJS.ErrnoException & { path?: string };
  if (typeof e?.code !== "string") return undefined;
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    // Node adds a long hint about positionals starting with "-"; the option is what matters.
    const option = /'([^']*)'/.exec(e.message)?.[1];
    return option !== undefined ? `unknown option ${option}` : e.message.split("\n")[0];
  }
  if (e.code.startsWith("ERR_PARSE_ARGS_")) return e.message.split("\n")[0];
  if ((e.code === "ENOENT" || e.code === "EACCES" || e.code === "EISDIR") && e.syscall === "open") {
    return `cannot read ${e.path ?? "a file"}: ${e.code === "ENOENT" ? "no such file" : e.code === "EISDIR" ? "it is a directory" : "permission denied"}`;
  }
  return undefined;
}

/** Writes a usage error (one line, then a hint) to stderr; returns the exit code 2. */
export function reportUsageError(message: string, helpCommand = COMMAND): 2 {
  process.stderr.write(`${COMMAND}: ${message}\nTry '${helpCommand} --help'.\n`);
  return 2;
}

/** Parses a numeric option; `fallback` when it is absent. */
export function nonNegativeInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} needs a non-negative integer, not ${JSON.stringify(text)}`);
  return n;
}

/** Which cases a run checks, and which of them are known to fail. */
export interface CaseSelection {
  run: CaseGlob[];
  skip: CaseGlob[];
  knownFailing: KnownFailingEntry[];
}

/** Reads --run, --skip and --known-failing (and the files they name); throws ENOENT for a missing file (see {@link usageMessage}). */
export function caseSelectionOf(values: { run?: string[]; skip?: string[]; "known-failing"?: string[] }): CaseSelection {
  return {
    run: (values.run ?? []).flatMap(patternsOfArgument),
    skip: (values.skip ?? []).flatMap(patternsOfArgument),
    knownFailing: (values["known-failing"] ?? []).flatMap(readKnownFailing),
  };
}

/** `runner v7: 130/130 required, 12/12 recommended`, plus known-failing and skipped counts. */
export function groupLine(g: GroupSummary): string {
  if (!g.supported) return `${g.group}: not supported by the testee`;
  const extra = [
    ...(g.expectedFailures > 0 ? [`${g.expectedFailures} known-failing`] : []),
    ...(g.skipped > 0 ? [`${g.skipped} skipped`] : []),
  ];
  return `${g.group}: ${g.required.passed}/${g.required.total} required, ${g.recommended.passed}/${g.recommended.total} recommended${extra.length > 0 ? ` (${extra.join(", ")})` : ""}`;
}

/**
 * A printer of failed and unexpectedly passing cases (others print nothing): the first 20 in
 * full, the rest in one line each unless `verbose`.
 */
export function failurePrinter(print: (line: string) => void, verbose: boolean): (r: CaseResult) => void {
  let detailed = 0;
  return (r) => {
    if (r.outcome !== "failed" && r.outcome !== "unexpected-pass") return;
    const label = r.outcome === "unexpected-pass" ? "UNEXPECTED PASS" : r.level === "required" ? "FAIL" : "FAIL (recommended)";
    // Past the first few, one line per failure keeps a badly broken testee's output readable.
    if (verbose || detailed < 20) {
      detailed++;
      print(`${label} ${r.name}`);
      for (const line of (r.reason ?? "").split("\n")) print(`  ${line}`);
      for (const line of r.detail ?? []) print(`  ${line}`);
    } else {
      print(`${label} ${r.name}: ${(r.reason ?? "").split("\n")[0]}`);
    }
  };
}

/** Prints a runner or engine suite's events: failures, notes and one line per group. */
export function eventPrinter(
  print: (line: string) => void,
  printCase: (r: CaseResult) => void,
): (event: { kind: "case"; result: CaseResult } | { kind: "group"; summary: GroupSummary } | { kind: "note"; text: string }) => void {
  return (event) => {
    if (event.kind === "case") printCase(event.result);
    else if (event.kind === "note") print(`note: ${event.text}`);
    else print(groupLine(event.summary));
  };
}

/** Warns about each known-failing entry that matched no case of the run. */
export function printUnmatchedKnownFailing(print: (line: string) => void, result: SuiteRunResult): void {
  for (const entry of result.unmatchedKnownFailing) {
    print(`warning: known-failing entry ${entry.where} (${entry.glob.source}) matched no case of this run`);
  }
}

/** Writes the --junit and --json reports, prints the closing lines and returns the exit code. */
export function finishOutput(print: (line: string) => void, result: SuiteRunResult, reports: { junit?: string; json?: string }): number {
  if (reports.junit !== undefined) writeFileSync(reports.junit, junitXml(result));
  if (reports.json !== undefined) writeFileSync(reports.json, jsonReport(result));
  const t = result.totals;
  if (t.expectedFailures > 0) print(`${t.expectedFailures} failed as expected (known-failing)`);
  print(`finished in ${(result.durationMs / 1000).toFixed(1)} s`);
  print(`${t.passed} passed, ${t.failed} failed${t.skipped > 0 ? `, ${t.skipped} skipped` : ""}`);
  return result.exitCode;
}
