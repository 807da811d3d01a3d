/**
 * Runs the runner suite against one runner command: starts the fake engine, starts the runner
 * under test as a child process (again whenever a case needs a fresh one or the last one
 * ended), runs each selected case, attributes history violations to the case in which they
 * happened, and applies the known-failing list.
 *
 * Whatever the runner does (crashes, hangs, never connects, sends garbage) becomes a failed
 * case with the decoded frame trace and the runner's last output; the harness never stops early.
 */
import { randomBytes } from "node:crypto";
import type { CaseGlob } from "./glob.js";
import type { KnownFailingEntry } from "./pattern-files.js";
import { type CaseResult, emptyGroup, type GroupSummary, type SuiteRunResult } from "./results.js";
import { RunRecorder } from "./run-recorder.js";
import { runnerCases } from "./runner/cases/index.js";
import { CaseContext, CaseFailure, type RunnerCase, RunIds } from "./runner/context.js";
import { FakeEngine } from "./runner/fake-engine.js";
import { RunnerProcess } from "./runner/runner-process.js";
import { WaitTimeout } from "./runner/trace.js";

/** The runner protocol versions the suite has cases for. */
export const RUNNER_SUITE_VERSIONS = [7] as const;

/** What to run and how. */
export interface RunnerRunOptions {
  /** The runner's shell command. */
  runner: string;
  cwd?: string;
  run: readonly CaseGlob[];
  skip: readonly CaseGlob[];
  knownFailing: readonly KnownFailingEntry[];
  /** Time for a new runner process to connect and send its init. */
  startupTimeoutMs: number;
  enforceRecommended?: boolean;
  echoStderr?: boolean;
  /** fast-check seed of the model-based case (random when not given). */
  seed?: number;
  /** fast-check runs of the model-based case. */
  runs: number;
  onEvent?: (event: RunnerRunEvent) => void;
  /** Replaces the suite's cases (tests of the harness itself). */
  cases?: readonly RunnerCase[];
}

/** What a run reports while it goes. */
export type RunnerRunEvent = { kind: "case"; result: CaseResult } | { kind: "group"; summary: GroupSummary } | { kind: "note"; text: string };

const MAX_STARTUP_FAILURES = 3;
/** How long after a case the harness still attributes stray frames (late events, closes) to it. */
const SETTLE_MS = 100;

/** Settings the cases can read. */
export interface SuiteSettings {
  readonly seed: number | undefined;
  readonly runs: number;
}

/** Runs the suite. Never throws for anything the runner does. */
export async function runRunnerSuite(options: RunnerRunOptions): Promise<SuiteRunResult> {
  const emit = options.onEvent ?? (() => {});
  const recorder = new RunRecorder(options, emit);
  const note = (text: string): void => recorder.note(text);
  const env = { namespace: "conformance", runnerName: "conformance-runner", token: "conformance-token", totalSlots: 100 };
  const engine = await FakeEngine.start({ namespace: env.namespace, runnerName: env.runnerName, token: env.token });
  const ids = new RunIds(randomBytes(2).toString("hex"));
  const settings: SuiteSettings = { seed: options.seed, runs: options.runs };

  const selected = (name: string): boolean =>
    (options.run.length === 0 || options.run.some((g) => g.matches(name))) && !options.skip.some((g) => g.matches(name));
  const all = options.cases ?? runnerCases();

  let proc: RunnerProcess | undefined;
  let startupFailures = 0;
  let givenUp: string | undefined;
  let processStart = 0;
  /** The ID of the first connection of the current process. */
  const firstConnOf = (): number | undefined => {
    const first = engine.trace.entries.find((e) => e.seq >= processStart && e.kind === "open");
    return first?.conn;
  };

  const spawnRunner = async (): Promise<string | undefined> => {
    if (proc !== undefined) await proc.stop();
    engine.runnerId = `conformancerunner${randomBytes(7).toString("hex")}`.slice(0, 30);
    processStart = engine.trace.mark;
    const mark = engine.trace.mark;
    proc = new RunnerProcess(
      options.runner,
      {
        RIVET_ENDPOINT: engine.endpoint,
        RIVET_NAMESPACE: env.namespace,
        RIVET_RUNNER: env.runnerName,
        RIVET_TOKEN: env.token,
        RIVET_TOTAL_SLOTS: String(env.totalSlots),
        ACTORWIRE_CONFORMANCE_PROTOCOL_VERSION: "7",
      },
      { ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), ...(options.echoStderr ? { echoStderr: true } : {}) },
    );
    const current = proc;
    try {
      await Promise.race([
        engine.trace.waitFor(mark, (e) => (e.kind === "send" && e.message.tag === "ToClientInit" ? true : undefined), options.startupTimeoutMs, "the runner to connect and send ToServerInit"),
        current.exited.then(() => {
          throw new Error(`the runner process ${current.describeExit()} before it connected`);
        }),
      ]);
      return undefined;
    } catch (error) {
      const tail = current.tail();
      await current.stop();
      return `${error instanceof Error ? error.message : String(error)}${tail.length > 0 ? `; its last output:\n    ${tail.join("\n    ")}` : ""}`;
    }
  };

  // A case that fails early can leave a request it started unawaited; its later timeout must
  // not take the harness down.
  const stray = (): void => {};
  process.on("unhandledRejection", stray);

  for (const version of RUNNER_SUITE_VERSIONS) {
    const summary = emptyGroup("runner", version);
    for (const testCase of all) {
      const name = `runner/v${version}/${testCase.name}`;
      if (!selected(name)) continue;
      const result = await runOne(testCase, name, version);
      recorder.recordCase(summary, result);
      emit({ kind: "case", result });
    }
    recorder.recordGroup(summary);
  }
  await proc?.stop();
  await engine.close();
  process.off("unhandledRejection", stray);

  async function runOne(testCase: RunnerCase, name: string, version: number): Promise<CaseResult> {
    const begun = Date.now();
    const base = { name, group: `runner v${version}`, level: testCase.level };
    const done = (failure?: string, detail?: string[]): CaseResult => ({
      ...base,
      outcome: failure === undefined ? "passed" : "failed",
      durationMs: Date.now() - begun,
      ...(failure !== undefined ? { reason: failure } : {}),
      ...(detail !== undefined ? { detail } : {}),
    });
    if (givenUp !== undefined) return done(givenUp);
    // A fresh case needs the process's first connection to still be its current one.
    const reconnectedSinceStart = engine.trace.entries.some((e) => e.seq >= processStart && e.kind === "open" && e.conn !== firstConnOf());
    if (proc === undefined || !proc.running || (testCase.fresh === true && reconnectedSinceStart) || engine.current === undefined || !engine.current.open) {
      const problem = await spawnRunner();
      if (problem !== undefined) {
        startupFailures++;
        if (startupFailures >= MAX_STARTUP_FAILURES) {
          givenUp = `not run: the runner failed to start ${startupFailures} times in a row`;
          note(`giving up on the runner after ${startupFailures} failed starts; every remaining case fails. The last: ${problem.split("\n")[0]}`);
        }
        return done(`the runner did not start: ${problem}`);
      }
      startupFailures = 0;
    }
    const current = proc!;
    const ctx = new CaseContext(engine, current, ids, env, settings, processStart);
    let failure: string | undefined;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = testCase.timeoutMs ?? 20_000;
    try {
      await Promise.race([
        testCase.run(ctx),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timedOut = true;
            reject(new CaseFailure(`the case did not finish within ${timeoutMs} ms`));
          }, timeoutMs);
        }),
      ]);
    } catch (error) {
      failure = error instanceof CaseFailure || error instanceof WaitTimeout ? error.message : `harness error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    } finally {
      clearTimeout(timer);
    }
    await ctx.sleep(SETTLE_MS);
    const violations = engine.checker.violations.filter((v) => v.seq >= ctx.since);
    if (violations.length > 0) {
      const listed = violations.slice(0, 5).map((v) => `history violation (${v.rule}) at trace #${v.seq}: ${v.text}`);
      if (violations.length > 5) listed.push(`… ${violations.length - 5} more violations`);
      failure = [failure, ...listed].filter((x) => x !== undefined).join("\n");
    }
    if (!current.running && testCase.endsProcess !== true) {
      failure = [failure, `the runner process ${current.describeExit()} during the case`].filter((x) => x !== undefined).join("\n");
    }
    // Reset what a case may have changed on the engine.
    engine.kvManual = false;
    engine.pendingKv.length = 0;
    engine.replayOnInit = undefined;
    if (testCase.endsProcess === true || timedOut || violations.length > 0) {
      // A case that broke the history (a restarted actor, reused event indices) or ran out of
      // time may have left the runner in a state that would make the next case fail for the
      // wrong reason; the next case gets a new runner.
      await current.stop();
    }
    if (failure === undefined) return done();
    const tail = current.tail();
    return done(failure, [
      `description: ${testCase.description}`,
      "decoded frame trace (c = connection, runner→ from the runner, →runner from the harness):",
      ...engine.trace.format(ctx.since).map((line) => `  ${line}`),
      ...(tail.length > 0 ? ["runner output (last lines):", ...tail.map((line) => `  ${line}`)] : []),
    ]);
  }

  return recorder.finish("runner", options.runner, undefined);
}
