/**
 * The last step of every suite's run (codec, runner, engine): the cases and group summaries it
 * collected become one {@link SuiteRunResult}, with the totals, the known-failing entries that
 * matched nothing and the exit code worked out the same way for all three.
 */
import type { KnownFailingEntry } from "./pattern-files.js";
import { type CaseResult, exitCodeOf, type GroupSummary, type SuiteRunResult, type TesteeIdentity, totalsOf } from "./results.js";

/** What a suite hands over when its cases are done. */
export interface FinishedRun<S extends SuiteRunResult["suite"], T extends TesteeIdentity | undefined> {
  suite: S;
  command: string;
  testee: T;
  /** `Date.now()` when the run started. */
  started: number;
  cases: CaseResult[];
  groups: GroupSummary[];
  notes: string[];
  /** The run's known-failing list, and the entries of it that matched a case. */
  knownFailing: readonly KnownFailingEntry[];
  knownHits: ReadonlySet<KnownFailingEntry>;
  enforceRecommended: boolean | undefined;
}

/**
 * Builds a suite's result from what it collected; the duration ends now. The result keeps the
 * suite's own name and testee type, so each suite's narrower result type still fits.
 */
export function finishRun<S extends SuiteRunResult["suite"], T extends TesteeIdentity | undefined>(
  run: FinishedRun<S, T>,
): SuiteRunResult & { suite: S; testee: T } {
  return {
    suite: run.suite,
    command: run.command,
    testee: run.testee,
    startedAt: new Date(run.started).toISOString(),
    durationMs: Date.now() - run.started,
    cases: run.cases,
    groups: run.groups,
    totals: totalsOf(run.cases),
    unmatchedKnownFailing: run.knownFailing.filter((k) => !run.knownHits.has(k)),
    notes: run.notes,
    exitCode: exitCodeOf(run.cases, run.enforceRecommended === true),
  };
}
