/**
 * Runs the engine suite against the engine at one endpoint: starts our runner (a child process
 * hosting `testees/engine-actors.ts`) on it, runs each selected case with our client, and grades
 * the results with the shared rules (`../results.ts`): one summary per area, the known-failing
 * list, totals and the exit code.
 *
 * Whatever the engine does (refuses, hangs, loses the runner) becomes a failed case with the
 * case's steps and the runner's last output; the harness never stops early.
 */
import { randomBytes } from "node:crypto";
import type { CaseGlob } from "../glob.js";
import type { KnownFailingEntry } from "../pattern-files.js";
import { type CaseResult, emptyGroup, type GroupSummary, type SuiteRunResult } from "../results.js";
import { RunRecorder } from "../run-recorder.js";
import { engineCases } from "./cases/index.js";
import { CaseFailure, describeError, ENGINE_AREAS, type EngineCase, EngineCaseContext, type EngineSuiteSettings } from "./context.js";
import { EngineApi } from "./engine-api.js";
import { HostWaitTimeout, RunnerHost } from "./runner-host.js";

/** What to run and how. */
export interface EngineRunOptions {
  /** The engine's base URL, e.g. `http://127.0.0.1:6420`. */
  readonly endpoint: string;
  /** Namespace to run in (default `default`). */
  readonly namespace?: string;
  readonly token?: string;
  /** Runner name (pool) of the suite's runner; a fresh one per run when not given. */
  readonly runnerName?: string;
  readonly run: readonly CaseGlob[];
  readonly skip: readonly CaseGlob[];
  readonly knownFailing: readonly KnownFailingEntry[];
  /** Time for a runner process to connect (default 30 s). */
  readonly startupTimeoutMs?: number;
  /** How long the SIGKILL cases wait for the engine to move the actor (default 60 s). */
  readonly runnerLostTimeoutMs?: number;
  readonly enforceRecommended?: boolean;
  readonly echoStderr?: boolean;
  readonly onEvent?: (event: EngineRunEvent) => void;
  /** Replaces the suite's cases (tests of the harness itself). */
  readonly cases?: readonly EngineCase[];
}

/** What a run reports while it goes. */
export type EngineRunEvent = { kind: "case"; result: CaseResult } | { kind: "group"; summary: GroupSummary } | { kind: "note"; text: string };

/** The result of an engine run: the shared result shape, with `suite: "engine"`. */
export type EngineRunResult = SuiteRunResult & { suite: "engine" };

const MAX_STARTUP_FAILURES = 3;
const DEFAULT_CASE_TIMEOUT_MS = 30_000;

/**
 * The summary of one area: `engine api: 12/12 required, …`. Areas have no protocol version
 * (version 0), so the JUnit suite is named `engine/<area>`.
 */
function areaGroup(area: string): GroupSummary {
  return { ...emptyGroup("engine", 0), group: `engine ${area}`, family: `engine/${area}` };
}

/** Runs the suite. Never throws for anything the engine does. */
export async function runEngineSuite(options: EngineRunOptions): Promise<EngineRunResult> {
  const emit = options.onEvent ?? (() => {});
  const recorder = new RunRecorder(options, emit);
  const note = (text: string): void => recorder.note(text);
  const settings: EngineSuiteSettings = {
    endpoint: options.endpoint.replace(/\/+$/, ""),
    namespace: options.namespace ?? "default",
    runnerName: options.runnerName ?? `conformance-${randomBytes(4).toString("hex")}`,
    token: options.token,
    startupTimeoutMs: options.startupTimeoutMs ?? 30_000,
    runnerLostTimeoutMs: options.runnerLostTimeoutMs ?? 60_000,
    echoStderr: options.echoStderr === true,
  };
  const selected = (name: string): boolean =>
    (options.run.length === 0 || options.run.some((g) => g.matches(name))) && !options.skip.some((g) => g.matches(name));
  const all = (options.cases ?? engineCases()).map((c) => ({ testCase: c, name: `engine/${c.area}/${c.name}` })).filter((c) => selected(c.name));

  let runner: RunnerHost | undefined;
  let warmedUp = false;
  let startupFailures = 0;
  let givenUp: string | undefined;
  const ensureRunner = async (): Promise<string | undefined> => {
    if (runner?.running === true) return undefined;
    try {
      runner = await RunnerHost.start({ ...settings, echoStderr: settings.echoStderr }, settings.startupTimeoutMs);
      if (!warmedUp) {
        await warmUp();
        warmedUp = true;
      }
      startupFailures = 0;
      return undefined;
    } catch (error) {
      startupFailures++;
      const problem = `our runner did not connect to ${settings.endpoint}: ${describeError(error)}`;
      if (startupFailures >= MAX_STARTUP_FAILURES) {
        givenUp = `not run: the runner failed to connect ${startupFailures} times in a row`;
        note(`giving up after ${startupFailures} failed runner starts; every remaining case fails. The last: ${problem.split("\n")[0]}`);
      }
      return problem;
    }
  };

  /**
   * Waits until the engine places actors on the new runner name. Rivet's engine creates the
   * runner config of a new runner name a moment after the runner's first connection and refuses
   * actors for it until then (`actor.no_runner_config_configured`); no case should see that.
   */
  async function warmUp(): Promise<void> {
    const api = new EngineApi(settings.endpoint, settings.namespace, settings.token);
    const began = Date.now();
    let last = "";
    let attempts = 0;
    while (Date.now() - began < settings.startupTimeoutMs) {
      attempts++;
      const answer = await api.getOrCreate({ name: "counter", key: `warm-up-${settings.runnerName}`, runner_name_selector: settings.runnerName, crash_policy: "sleep" });
      if (answer.status === 200) {
        if (attempts > 1) note(`the engine refused actors for the new runner name for ${Date.now() - began} ms after the runner connected (${last})`);
        return;
      }
      last = `${answer.status} ${answer.text.slice(0, 120)}`;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the engine still refuses actors for runner name ${settings.runnerName} ${settings.startupTimeoutMs} ms after the runner connected: ${last}`);
  }

  // A case that fails early can leave a request it started unawaited; its later rejection must
  // not take the harness down.
  const stray = (): void => {};
  process.on("unhandledRejection", stray);
  if (all.length > 0) note(`engine ${settings.endpoint}, namespace ${settings.namespace}, runner name ${settings.runnerName}`);

  for (const area of ENGINE_AREAS) {
    const mine = all.filter((c) => c.testCase.area === area);
    if (mine.length === 0) continue;
    const summary = areaGroup(area);
    for (const { testCase, name } of mine) {
      const result = await runOne(testCase, name, summary.group);
      recorder.recordCase(summary, result);
      emit({ kind: "case", result });
    }
    recorder.recordGroup(summary);
  }
  await runner?.kill();
  process.off("unhandledRejection", stray);

  async function runOne(testCase: EngineCase, name: string, group: string): Promise<CaseResult> {
    const begun = Date.now();
    const done = (failure?: string, detail?: string[]): CaseResult => ({
      name,
      group,
      level: testCase.level,
      outcome: failure === undefined ? "passed" : "failed",
      durationMs: Date.now() - begun,
      ...(failure !== undefined ? { reason: failure } : {}),
      ...(detail !== undefined ? { detail } : {}),
    });
    if (givenUp !== undefined) return done(givenUp);
    const problem = await ensureRunner();
    if (problem !== undefined) return done(problem);
    const ctx = new EngineCaseContext(settings, runner!, (host) => {
      runner = host;
    });
    let failure: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = testCase.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS;
    try {
      await Promise.race([
        testCase.run(ctx),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new CaseFailure(`the case did not finish within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      failure =
        error instanceof CaseFailure || error instanceof HostWaitTimeout
          ? error.message
          : `unexpected error: ${describeError(error)}${error instanceof Error && !("group" in error) && error.stack !== undefined ? `\n${error.stack.split("\n").slice(1, 4).join("\n")}` : ""}`;
    } finally {
      clearTimeout(timer);
    }
    await ctx.close();
    if (failure === undefined) return done();
    return done(failure, [
      `description: ${testCase.description}`,
      ...(ctx.log.length > 0 ? ["steps:", ...ctx.log.map((line) => `  ${line}`)] : []),
      ...(runner !== undefined && runner.tail().length > 0 ? [`runner output (last lines, ${runner.describeExit()}):`, ...runner.tail().map((line) => `  ${line}`)] : []),
    ]);
  }

  return recorder.finish("engine", settings.endpoint, undefined);
}
