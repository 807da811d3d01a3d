/**
 * What every suite (codec, runner, engine) does with its results as they arrive and at the
 * end: notes, cases with the known-failing list applied, group summaries, and finally one
 * {@link SuiteRunResult} with the totals, the known-failing entries that matched nothing and
 * the exit code, worked out the same way for all three.
 */
import type { KnownFailingEntry } from "./pattern-files.js";
import { applyKnownFailing, type CaseResult, exitCodeOf, type GroupSummary, type SuiteRunResult, type TesteeIdentity, tally, totalsOf } from "./results.js";

/** The events the recorder emits itself; a suite emits its case events on its own. */
export type RecorderEvent = { kind: "group"; summary: GroupSummary } | { kind: "note"; text: string };

/** Collects one run's results; create it when the run starts, since the duration counts from then. */
export class RunRecorder {
  private readonly started = Date.now();
  private readonly cases: CaseResult[] = [];
  private readonly groups: GroupSummary[] = [];
  private readonly notes: string[] = [];
  private readonly knownHits = new Set<KnownFailingEntry>();

  constructor(
    private readonly options: { readonly knownFailing: readonly KnownFailingEntry[]; readonly enforceRecommended?: boolean | undefined },
    private readonly emit: (event: RecorderEvent) => void,
  ) {}

  /** A line worth showing that is not about one case. */
  note(text: string): void {
    this.notes.push(text);
    this.emit({ kind: "note", text });
  }

  /** Applies the known-failing list to a fresh case result (in place) and counts it into `summary`. */
  recordCase(summary: GroupSummary, result: CaseResult): void {
    applyKnownFailing(result, this.options.knownFailing, this.knownHits);
    this.cases.push(result);
    tally(summary, result);
  }

  /** Adds a finished group summary and reports it. */
  recordGroup(summary: GroupSummary): void {
    this.groups.push(summary);
    this.emit({ kind: "group", summary });
  }

  /**
   * Builds the suite's result; the duration ends now. The result keeps the suite's own name and
   * testee type, so each suite's narrower result type still fits.
   */
  finish<S extends SuiteRunResult["suite"], T extends TesteeIdentity | undefined>(
    suite: S,
    command: string,
    testee: T,
  ): SuiteRunResult & { suite: S; testee: T } {
    return {
      suite,
      command,
      testee,
      startedAt: new Date(this.started).toISOString(),
      durationMs: Date.now() - this.started,
      cases: this.cases,
      groups: this.groups,
      totals: totalsOf(this.cases),
      unmatchedKnownFailing: this.options.knownFailing.filter((k) => !this.knownHits.has(k)),
      notes: this.notes,
      exitCode: exitCodeOf(this.cases, this.options.enforceRecommended === true),
    };
  }
}
