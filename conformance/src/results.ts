/**
 * Results shared by every suite (codec, runner): per-case outcomes, per-version pass counts,
 * the known-failing rule (a listed case that passes fails the run), totals and the exit code.
 */
import type { KnownFailingEntry } from "./pattern-files.js";

/** Required cases decide the exit code; recommended ones are reported. */
export type Level = "required" | "recommended";

/** How one case ended. */
export type Outcome = "passed" | "failed" | "skipped" | "expected-failure" | "unexpected-pass";

/** The result of one case. */
export interface CaseResult {
  name: string;
  /** `<family> v<N>`. */
  group: string;
  level: Level;
  outcome: Outcome;
  durationMs: number;
  /** Why it failed, was skipped, or is known to fail. */
  reason?: string;
  /** Request, expected and actual (codec), or the decoded frame trace (runner), for failures. */
  detail?: string[];
}

/** Pass counts of one family and version. */
export interface GroupSummary {
  group: string;
  family: string;
  version: number;
  /** False when the testee does not implement this version; it then has no cases. */
  supported: boolean;
  required: { passed: number; total: number };
  recommended: { passed: number; total: number };
  expectedFailures: number;
  skipped: number;
}

/** The identity of a testee, as far as the suite learns it. */
export interface TesteeIdentity {
  name: string;
  version: string;
}

/** Everything a run produced, whatever the suite. */
export interface SuiteRunResult {
  suite: "codec" | "runner" | "engine";
  command: string;
  testee: TesteeIdentity | undefined;
  startedAt: string;
  durationMs: number;
  cases: CaseResult[];
  groups: GroupSummary[];
  totals: Totals;
  /** Known-failing entries that matched no case of this run. */
  unmatchedKnownFailing: KnownFailingEntry[];
  /** Lines worth showing that are not about one case. */
  notes: string[];
  /**
   * 0 when every required case (with `enforceRecommended`, every case) passed or is known to
   * fail, no known-failing case passed, and at least one case was not skipped.
   */
  exitCode: 0 | 1;
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
  expectedFailures: number;
}

/** An empty summary for one family and version. */
export function emptyGroup(family: string, version: number, supported = true): GroupSummary {
  return {
    group: `${family} v${version}`,
    family,
    version,
    supported,
    required: { passed: 0, total: 0 },
    recommended: { passed: 0, total: 0 },
    expectedFailures: 0,
    skipped: 0,
  };
}

/**
 * Applies the known-failing list to a fresh result (in place): a listed failure becomes an
 * expected failure, a listed pass an unexpected pass. Records which entries matched in `hits`.
 */
export function applyKnownFailing(result: CaseResult, knownFailing: readonly KnownFailingEntry[], hits: Set<KnownFailingEntry>): void {
  const known = knownFailing.find((k) => k.glob.matches(result.name));
  if (known === undefined) return;
  hits.add(known);
  if (result.outcome === "failed") {
    result.outcome = "expected-failure";
    result.detail = [`failure: ${result.reason ?? ""}`, ...(result.detail ?? [])];
    result.reason = `known failing (${known.where})${known.reason !== "" ? `: ${known.reason}` : ""}`;
  } else if (result.outcome === "passed") {
    result.outcome = "unexpected-pass";
    result.reason = `passed, but ${known.where} lists it as known failing; remove the entry`;
  }
}

/** Counts one case into its group's summary. */
export function tally(summary: GroupSummary, result: CaseResult): void {
  const counts = result.level === "required" ? summary.required : summary.recommended;
  if (result.outcome === "skipped") summary.skipped++;
  else counts.total++;
  if (result.outcome === "passed") counts.passed++;
  if (result.outcome === "expected-failure") summary.expectedFailures++;
}

export function totalsOf(cases: readonly CaseResult[]): Totals {
  const totals = { passed: 0, failed: 0, skipped: 0, expectedFailures: 0 };
  for (const result of cases) {
    if (result.outcome === "passed") totals.passed++;
    else if (result.outcome === "skipped") totals.skipped++;
    else if (result.outcome === "expected-failure") totals.expectedFailures++;
    else totals.failed++;
  }
  return totals;
}

/** The exit code of a run (see {@link SuiteRunResult.exitCode}). */
export function exitCodeOf(cases: readonly CaseResult[], enforceRecommended: boolean): 0 | 1 {
  const decisive = cases.some((c) => (c.outcome === "failed" && (c.level === "required" || enforceRecommended)) || c.outcome === "unexpected-pass");
  // A run in which every case was skipped (or none was selected) checked nothing.
  const checked = cases.some((c) => c.outcome !== "skipped");
  return decisive || !checked ? 1 : 0;
}
