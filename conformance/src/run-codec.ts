/**
 * Runs the codec suite against one testee: starts it, learns from the hello which families
 * and versions it implements, sends every selected case of those versions one at a time,
 * grades each answer and applies the known-failing list.
 *
 * A testee that crashes, hangs or breaks the framing fails the case in flight and is started
 * again, at most `maxRestarts` times; after that every remaining case fails with the reason,
 * so a bad testee costs a clear report rather than a stuck or crashed harness.
 */
import { typeCases, typePrefix, type CodecCase } from "./codec-cases.js";
import { hexDifference, preview, previewHex, valueDifference } from "./compare.js";
import type { CaseGlob } from "./glob.js";
import type { KnownFailingEntry } from "./pattern-files.js";
import { type CaseResult, emptyGroup, type GroupSummary, type Outcome, type SuiteRunResult } from "./results.js";
import { RunRecorder } from "./run-recorder.js";
import { TesteeFailure, TesteeProcess } from "./testee-process.js";
import type { HelloResponse } from "./testee-protocol.js";
import { loadVectorCases, suiteVersions } from "./vectors.js";

/** What to run and how. */
export interface CodecRunOptions {
  /** The testee's shell command. */
  testee: string;
  cwd?: string;
  vectorsDir: string;
  /** Only cases matching one of these (all cases when empty). */
  run: readonly CaseGlob[];
  /** Never cases matching one of these. */
  skip: readonly CaseGlob[];
  knownFailing: readonly KnownFailingEntry[];
  timeoutMs: number;
  startupTimeoutMs: number;
  maxRestarts: number;
  /** Let failed recommended cases fail the run too (protobuf's `--enforce_recommended`). */
  enforceRecommended?: boolean;
  echoStderr?: boolean;
  /** Called as results arrive: failures, group summaries, notes. */
  onEvent?: (event: RunEvent) => void;
}

export type { CaseResult, GroupSummary, Outcome } from "./results.js";

/** Everything a codec run produced (the shared result, with the testee's hello). */
export type CodecRunResult = SuiteRunResult & { testee: HelloResponse | undefined };

/** What a run reports while it goes. */
export type RunEvent =
  | { kind: "started"; hello: HelloResponse }
  | { kind: "case"; result: CaseResult; request?: CodecCase }
  | { kind: "group"; summary: GroupSummary }
  | { kind: "note"; text: string };

/** Runs the suite. Never throws for anything the testee does. */
export async function runCodecSuite(options: CodecRunOptions): Promise<CodecRunResult> {
  const emit = options.onEvent ?? (() => {});
  const recorder = new RunRecorder(options, emit);
  const note = (text: string): void => recorder.note(text);

  let testee: TesteeProcess | undefined;
  let hello: HelloResponse | undefined;
  let restarts = 0;
  /** Set once the restart budget is spent: every case still to come fails with it. */
  let givenUp: string | undefined;

  const startTestee = async (): Promise<string | undefined> => {
    try {
      const launched = await TesteeProcess.start({
        command: options.testee,
        timeoutMs: options.timeoutMs,
        startupTimeoutMs: options.startupTimeoutMs,
        ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
        ...(options.echoStderr !== undefined ? { echoStderr: options.echoStderr } : {}),
      });
      testee = launched.testee;
      hello ??= launched.hello;
      emit({ kind: "started", hello: launched.hello });
      return undefined;
    } catch (error) {
      testee = undefined;
      return error instanceof TesteeFailure ? error.message : String(error);
    }
  };

  const firstProblem = await startTestee();
  const versions = suiteVersions();
  if (firstProblem !== undefined) {
    givenUp = "not run: the testee did not start";
    note(`the testee did not start: ${firstProblem}`);
  } else {
    for (const entry of hello!.supports) {
      for (const version of entry.versions) {
        if (!versions.some((v) => v.family === entry.family && v.version === version)) {
          note(`the testee supports ${entry.family} v${version}, for which the suite has no cases`);
        }
      }
    }
  }

  const selected = (name: string): boolean =>
    (options.run.length === 0 || options.run.some((g) => g.matches(name))) && !options.skip.some((g) => g.matches(name));
  const mayBeSelected = (prefix: string[]): boolean =>
    (options.run.length === 0 || options.run.some((g) => g.mayMatchUnder(prefix))) && !options.skip.some((g) => g.source === `${prefix.join("/")}/**`);

  const giveUp = (lastFailure: string, at: string): void => {
    givenUp = `not run: the testee was given up after ${restarts} failures (restart limit ${options.maxRestarts})`;
    note(`giving up on the testee after ${restarts} failures (restart limit ${options.maxRestarts}); every remaining case fails. The last failure, at ${at}: ${lastFailure.split("\n")[0]}`);
  };

  let nextId = 1;
  for (const { family, version, schema } of versions) {
    // Without a hello (the testee never started) every version is assumed, so that each of
    // its cases is reported as failed rather than silently left out.
    const supported = hello === undefined || hello.supports.some((s) => s.family === family && s.versions.includes(version));
    const summary = emptyGroup(family, version, supported);
    if (supported) {
      for (const type of schema.roots) {
        if (!mayBeSelected(typePrefix(family, version, type))) continue;
        const vectors = loadVectorCases(options.vectorsDir, schema, type);
        for (const testCase of typeCases(schema, type, vectors)) {
          if (!selected(testCase.name)) continue;
          const result = await runOne(testCase);
          recorder.recordCase(summary, result);
          emit({ kind: "case", result, request: testCase });
        }
      }
    }
    recorder.recordGroup(summary);
  }
  await testee?.close();

  async function runOne(testCase: CodecCase): Promise<CaseResult> {
    const begun = Date.now();
    const base = { name: testCase.name, group: `${testCase.family} v${testCase.version}`, level: testCase.level };
    const done = (outcome: Outcome, reason?: string, detail?: string[]): CaseResult => ({
      ...base,
      outcome,
      durationMs: Date.now() - begun,
      ...(reason !== undefined ? { reason } : {}),
      ...(detail !== undefined ? { detail } : {}),
    });
    if (givenUp === undefined && testee === undefined) {
      const problem = await startTestee();
      if (problem !== undefined) {
        restarts++;
        if (restarts > options.maxRestarts) giveUp(`the testee did not restart: ${problem}`, testCase.name);
        else return done("failed", `the testee did not restart: ${problem}`);
      }
    }
    if (givenUp !== undefined) return done("failed", givenUp);

    const id = nextId++;
    const request = { id, ...testCase.request } as Parameters<TesteeProcess["request"]>[0];
    let answer: unknown;
    try {
      answer = await testee!.request(request);
    } catch (error) {
      const failure = error instanceof TesteeFailure ? error : new TesteeFailure("crashed", String(error));
      testee = undefined;
      restarts++;
      if (restarts > options.maxRestarts) giveUp(failure.message, testCase.name);
      else note(`restarting the testee (${restarts} of at most ${options.maxRestarts}) after ${FAILURE_WORDS[failure.kind]} at ${testCase.name}`);
      return done("failed", failure.message, describe(testCase, undefined));
    }
    const graded = grade(testCase, answer);
    if (graded === "skipped") return done("skipped", String((answer as { skipped: unknown }).skipped));
    return graded === null ? done("passed") : done("failed", graded, describe(testCase, answer));
  }

  return recorder.finish("codec", options.testee, hello);
}

/**
 * null when the answer satisfies the case, "skipped" when the testee declined it, else what
 * is wrong with it.
 */
export function grade(testCase: CodecCase, answer: unknown): string | null | "skipped" {
  const a = answer as { ok?: unknown; value?: unknown; hex?: unknown; error?: unknown; skipped?: unknown };
  if (typeof a.skipped === "string") return "skipped";
  if (a.ok === false) {
    const error = a.error as { code?: unknown; message?: unknown } | undefined;
    if (typeof error?.code !== "string" || typeof error.message !== "string") {
      return `ok: false without an error { code, message }: ${preview(answer)}`;
    }
    return testCase.expect.kind === "reject" ? null : `refused: ${errorText(a.error)}`;
  }
  if (a.ok !== true) return `not an answer (needs ok: true, ok: false or skipped): ${preview(answer)}`;
  switch (testCase.expect.kind) {
    case "reject":
      return `accepted malformed input (${testCase.expect.mutation})`;
    case "value":
      if (!("value" in a)) return `ok: true without a value: ${preview(answer)}`;
      return valueDifference(testCase.expect.value, a.value);
    case "hex":
      return hexDifference(testCase.expect.hex, a.hex);
  }
}

const FAILURE_WORDS: Record<TesteeFailure["kind"], string> = {
  crashed: "a crash",
  timeout: "a timeout",
  protocol: "a protocol violation",
};

function errorText(error: unknown): string {
  const e = error as { code: string; message: string; offset?: unknown };
  return `${e.code}: ${e.message}${typeof e.offset === "number" ? ` (offset ${e.offset})` : ""}`;
}

/** The request, expected and actual of a failed case, each on one short line. */
function describe(testCase: CodecCase, answer: unknown): string[] {
  const r = testCase.request;
  const lines = [
    r.op === "decode"
      ? `request:  decode ${r.family} v${r.version} ${r.type} hex ${previewHex(r.hex)}`
      : `request:  encode ${r.family} v${r.version} ${r.type} value ${preview(r.value)}`,
  ];
  const e = testCase.expect;
  lines.push(
    e.kind === "value" ? `expected: value ${preview(e.value)}` : e.kind === "hex" ? `expected: hex ${previewHex(e.hex)}` : `expected: ok: false (${e.mutation})`,
  );
  if (answer !== undefined) {
    const a = answer as { ok?: unknown; value?: unknown; hex?: unknown; error?: unknown };
    lines.push(
      a.ok === true && typeof a.hex === "string"
        ? `actual:   hex ${previewHex(a.hex)}`
        : a.ok === true
          ? `actual:   value ${preview(a.value)}`
          : a.ok === false
            ? `actual:   ok: false ${preview(a.error)}`
            : `actual:   ${preview(answer)}`,
    );
  }
  return lines;
}
