/**
 * The `actorwire-conformance` command.
 *
 *   actorwire-conformance codec --testee "<command>" [--run <glob>]… [--skip <glob>]…
 *     [--known-failing <file>] [--junit <file>] [--json <file>] [--timeout <ms>] …
 *   actorwire-conformance runner --runner "<command>" [--run <glob>]… [--skip <glob>]…
 *     [--known-failing <file>] [--junit <file>] [--json <file>] [--seed <n>] [--runs <n>] …
 *
 * Exit status: 0 when every required case (with --enforce-recommended, every case) passed or
 * is listed as known failing, no listed case passed and at least one case was checked; 1
 * otherwise; 2 for a usage error (one line on stderr naming the option or value, and a hint).
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type CaseSelection, caseSelectionOf, eventPrinter, failurePrinter, finishOutput, groupLine, nonNegativeInt, printUnmatchedKnownFailing, reportUsageError, UsageError, usageMessage } from "./cli-options.js";
import { OWN_PACKAGE } from "./package-info.js";
import type { CaseResult, SuiteRunResult } from "./results.js";
import { runCodecSuite, type RunEvent } from "./run-codec.js";
import { parityTable } from "./parity.js";
import { runRunnerSuite } from "./run-runner.js";
import { DEFAULT_VECTORS_DIR } from "./vectors.js";

const USAGE = `Usage: actorwire-conformance codec --testee "<command>" [options]
       actorwire-conformance runner --runner "<command>" [options]
       actorwire-conformance engine --endpoint <url> [options]   (see engine --help)
       actorwire-conformance parity <title>=<report.json> …   (Markdown table of JSON reports)

Runs the codec conformance suite against a testee: a program that speaks the testee
protocol (4-byte big-endian length + UTF-8 JSON frames) on stdin/stdout. See the README.

Options:
  --testee <command>        shell command that starts the testee (required)
  --run <glob>              only cases matching the glob (repeatable; @file reads one per line)
  --skip <glob>             leave out cases matching the glob (repeatable; @file too)
  --known-failing <file>    lines "<glob> # reason": expected failures; a listed case that
                            passes fails the run (repeatable)
  --junit <file>            write a JUnit XML report
  --json <file>             write a JSON report
  --timeout <ms>            per-request timeout (default 10000)
  --startup-timeout <ms>    time allowed for the testee to start and answer the hello (default 30000)
  --max-restarts <n>        restarts after a crash or hang before the remaining cases fail (default 3)
  --enforce-recommended     failed recommended cases fail the run too
  --vectors <dir>           golden vectors directory (default: the vectors of @actorwire/fixtures)
  --verbose                 copy the testee's stderr, print every failure in full
  -h, --help                this text
  -V, --version             print the version

Runner suite (plays the engine; starts the runner with RIVET_ENDPOINT, RIVET_NAMESPACE,
RIVET_RUNNER, RIVET_TOKEN, RIVET_TOTAL_SLOTS, ACTORWIRE_CONFORMANCE_PROTOCOL_VERSION):
  --runner <command>        shell command that starts the runner hosting the standard
                            conformance actors (required)
  --seed <n>                fast-check seed of the model-based case (printed on failure)
  --runs <n>                fast-check runs of the model-based case (default 20)
  --startup-timeout, --run, --skip, --known-failing, --junit, --json,
  --enforce-recommended and --verbose as above

Globs: "*" matches within one name component, "**" any number of components, e.g.
  --run 'codec/runner/v7/**'   --skip 'codec/**/len=1048576/*'`;

/** Parses the arguments and runs; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  // The engine suite (`engine --endpoint <url>`) has options of its own; see src/engine/cli.ts.
  if (argv[0] === "engine") return (await import("./engine/cli.js")).engineMain(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        testee: { type: "string" },
        runner: { type: "string" },
        seed: { type: "string" },
        runs: { type: "string" },
        run: { type: "string", multiple: true },
        skip: { type: "string", multiple: true },
        "known-failing": { type: "string", multiple: true },
        junit: { type: "string" },
        json: { type: "string" },
        timeout: { type: "string" },
        "startup-timeout": { type: "string" },
        "max-restarts": { type: "string" },
        "enforce-recommended": { type: "boolean" },
        vectors: { type: "string" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    });
  } catch (error) {
    const message = usageMessage(error);
    if (message === undefined) throw error;
    return reportUsageError(message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${OWN_PACKAGE.version}\n`);
    return 0;
  }
  if (positionals[0] === "parity") {
    const columns = positionals.slice(1).map((arg): [string, string] => {
      const at = arg.indexOf("=");
      return at === -1 ? [arg, arg] : [arg.slice(0, at), arg.slice(at + 1)];
    });
    if (columns.length === 0) return reportUsageError("parity needs at least one <title>=<report.json>");
    process.stdout.write(parityTable(columns));
    return 0;
  }
  let selection: CaseSelection;
  let timeoutMs: number;
  let startupTimeoutMs: number;
  let maxRestarts: number;
  let seed: number | undefined;
  let runs: number;
  try {
    if (positionals[0] === "engine") throw new UsageError("engine must be the first argument: actorwire-conformance engine --endpoint <url> …");
    if (positionals.length !== 1 || (positionals[0] !== "codec" && positionals[0] !== "runner")) {
      throw new UsageError(`expected the suite name "codec", "runner", "engine" or "parity", got ${JSON.stringify(positionals.join(" "))}`);
    }
    if (positionals[0] === "codec" && (values.testee === undefined || values.testee.trim() === "")) throw new UsageError("--testee is required");
    if (positionals[0] === "runner" && (values.runner === undefined || values.runner.trim() === "")) throw new UsageError("--runner is required");
    selection = caseSelectionOf(values);
    timeoutMs = nonNegativeInt("--timeout", values.timeout, 10_000);
    startupTimeoutMs = nonNegativeInt("--startup-timeout", values["startup-timeout"], 30_000);
    maxRestarts = nonNegativeInt("--max-restarts", values["max-restarts"], 3);
    seed = values.seed === undefined ? undefined : nonNegativeInt("--seed", values.seed, 0);
    runs = nonNegativeInt("--runs", values.runs, 20);
    if (values.vectors !== undefined && !(existsSync(values.vectors) && statSync(values.vectors).isDirectory())) {
      throw new UsageError(`--vectors: no such directory ${JSON.stringify(values.vectors)}`);
    }
  } catch (error) {
    const message = usageMessage(error);
    if (message === undefined) throw error;
    return reportUsageError(message);
  }

  const verbose = values.verbose === true;
  const print = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  let announced = false;
  let notRun = 0;
  let notRunReason = "";
  const onEvent = (event: RunEvent): void => {
    switch (event.kind) {
      case "started":
        if (!announced) print(`testee: ${event.hello.name} ${event.hello.version} (${values.testee})`);
        announced = true;
        return;
      case "note":
        print(`note: ${event.text}`);
        return;
      case "group": {
        const g = event.summary;
        if (!g.supported || g.required.total + g.recommended.total + g.skipped > 0) print(groupLine(g));
        return;
      }
      case "case":
        printCase(event.result);
        return;
    }
  };
  const printFailure = failurePrinter(print, verbose);
  const printCase = (r: CaseResult): void => {
    if (r.outcome !== "failed" && r.outcome !== "unexpected-pass") return;
    // Once the testee is given up, the note has said why; the reports list every case.
    if (r.reason?.startsWith("not run:")) {
      notRun++;
      notRunReason = r.reason.slice("not run:".length).trim();
      return;
    }
    printFailure(r);
  };

  let result: SuiteRunResult;
  if (positionals[0] === "runner") {
    print(`runner: ${values.runner}`);
    result = await runRunnerSuite({
      runner: values.runner!,
      ...selection,
      startupTimeoutMs,
      runs,
      ...(seed !== undefined ? { seed } : {}),
      enforceRecommended: values["enforce-recommended"] === true,
      echoStderr: verbose,
      onEvent: eventPrinter(print, printCase),
    });
  } else {
    result = await runCodecSuite({
    testee: values.testee!,
    vectorsDir: values.vectors !== undefined ? resolve(values.vectors) : DEFAULT_VECTORS_DIR,
    ...selection,
    timeoutMs,
    startupTimeoutMs,
    maxRestarts,
    enforceRecommended: values["enforce-recommended"] === true,
    echoStderr: verbose,
    onEvent,
  });
  }

  printUnmatchedKnownFailing(print, result);
  if (notRun > 0) print(`${notRun} more cases failed without running: ${notRunReason}`);
  if (result.cases.length === result.totals.skipped) {
    print("no case was checked: see --run/--skip, the versions in the testee's hello and its skipped answers");
  }
  return finishOutput(print, result, values);
}

/** The suites' summary line of one group, still exported from here as before. */
export { groupLine };

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
