/**
 * `actorwire-conformance engine --endpoint <url>`: the engine suite's command line. It prints
 * what the other suites print (failures as they happen, one summary line per area, the
 * `N passed, N failed` line) and writes the same JUnit and JSON reports.
 *
 * Exit status: 0 when every required case (with --enforce-recommended, every case) passed or
 * is listed as known failing, no listed case passed and at least one case was checked; 1
 * otherwise; 2 for a usage error (one line on stderr naming the option or value, and a hint).
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type CaseSelection, caseSelectionOf, COMMAND, eventPrinter, failurePrinter, finishOutput, nonNegativeInt, printUnmatchedKnownFailing, reportUsageError, UsageError, usageMessage } from "../cli-options.js";
import { OWN_PACKAGE } from "../package-info.js";
import { runEngineSuite } from "./run.js";
import type { StartedEngineContainer } from "@actorwire/testkit/container";

export const ENGINE_USAGE = `Usage: actorwire-conformance engine --endpoint <url> [options]
       actorwire-conformance engine --engine-image <image> [options]

Runs the engine suite: end-to-end cases (public API, gateway, lifecycle, KV) against the
engine at <url>, with our runner (@actorwire/runner, started as a child process hosting
the conformance package's testees/engine-actors) and our client (@actorwire/client).

Options:
  --endpoint <url>          the engine's base URL, e.g. http://127.0.0.1:6420
  --engine-image <image>    instead of --endpoint: start this engine image (e.g.
                            actorwire/engine:latest) in Docker with host networking on a
                            free loopback port, run the suite against it, then stop it
  --engine-env <NAME=value> more environment for the --engine-image container (repeatable)
  --namespace <name>        namespace to run in (default "default")
  --token <token>           token for the API, the gateway and the runner
  --runner-name <name>      runner name (pool) of the suite's runner (default: a fresh one)
  --run <glob>, --skip <glob>   select cases (repeatable; @file reads one per line)
  --known-failing <file>    lines "<glob> # reason": expected failures; a listed case that
                            passes fails the run (repeatable)
  --junit <file>, --json <file>   reports
  --startup-timeout <ms>    time for the runner to connect (default 30000)
  --runner-lost-timeout <ms>  how long the SIGKILL cases wait for the engine to move an
                            actor to the new runner (default 60000; the engine's runner-lost
                            threshold must be below it)
  --enforce-recommended     failed recommended cases fail the run too
  --verbose                 copy the runner's stderr, print every failure in full
  -h, --help                this text
  -V, --version             print the version`;

/**
 * Starts the engine image through `@actorwire/testkit` (testcontainers), loaded only when
 * asked for. Its reaper container needs an image registry, so it is off unless the caller's
 * environment says otherwise; the suite stops its container itself.
 */
async function startContainer(image: string, env: Record<string, string>, print: (line: string) => void): Promise<StartedEngineContainer | undefined> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  const { startEngineContainer } = await import("@actorwire/testkit/container");
  try {
    return await startEngineContainer({ image, env });
  } catch (error) {
    print(`the engine image ${image} did not start: ${(error as Error).message}`);
    return undefined;
  }
}

/** Parses the arguments after `engine` and runs; resolves with the exit code. */
export async function engineMain(argv: readonly string[]): Promise<number> {
  let values;
  let selection: CaseSelection;
  let startupTimeoutMs: number;
  let runnerLostTimeoutMs: number;
  let engineEnv: Record<string, string>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        endpoint: { type: "string" },
        "engine-image": { type: "string" },
        "engine-env": { type: "string", multiple: true },
        namespace: { type: "string" },
        token: { type: "string" },
        "runner-name": { type: "string" },
        run: { type: "string", multiple: true },
        skip: { type: "string", multiple: true },
        "known-failing": { type: "string", multiple: true },
        junit: { type: "string" },
        json: { type: "string" },
        "startup-timeout": { type: "string" },
        "runner-lost-timeout": { type: "string" },
        "enforce-recommended": { type: "boolean" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    }));
    if (values.help) {
      process.stdout.write(`${ENGINE_USAGE}\n`);
      return 0;
    }
    if (values.version) {
      process.stdout.write(`${OWN_PACKAGE.version}\n`);
      return 0;
    }
    if (values.endpoint !== undefined && values["engine-image"] !== undefined) throw new UsageError("give --endpoint or --engine-image, not both");
    if (values.endpoint === undefined && values["engine-image"] === undefined) throw new UsageError("--endpoint <http(s) URL> or --engine-image <image> is required");
    if (values.endpoint !== undefined && !/^https?:\/\/./.test(values.endpoint)) throw new UsageError(`--endpoint needs an http(s) URL, not ${JSON.stringify(values.endpoint)}`);
    engineEnv = Object.fromEntries(
      (values["engine-env"] ?? []).map((pair) => {
        const eq = pair.indexOf("=");
        if (eq <= 0) throw new UsageError(`--engine-env needs NAME=value, not ${JSON.stringify(pair)}`);
        return [pair.slice(0, eq), pair.slice(eq + 1)];
      }),
    );
    selection = caseSelectionOf(values);
    startupTimeoutMs = nonNegativeInt("--startup-timeout", values["startup-timeout"], 30_000);
    runnerLostTimeoutMs = nonNegativeInt("--runner-lost-timeout", values["runner-lost-timeout"], 60_000);
  } catch (error) {
    const message = usageMessage(error);
    if (message === undefined) throw error;
    return reportUsageError(message, `${COMMAND} engine`);
  }

  const verbose = values.verbose === true;
  const print = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const printCase = failurePrinter(print, verbose);

  const image = values["engine-image"];
  const container = image === undefined ? undefined : await startContainer(image, engineEnv, print);
  if (image !== undefined && container === undefined) return 1;
  const endpoint = container?.endpoint ?? (values.endpoint as string);
  print(`engine: ${endpoint}${image !== undefined ? ` (container of ${image})` : ""}`);
  const result = await runEngineSuite({
    endpoint,
    ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
    ...(values.token !== undefined ? { token: values.token } : {}),
    ...(values["runner-name"] !== undefined ? { runnerName: values["runner-name"] } : {}),
    ...selection,
    startupTimeoutMs,
    runnerLostTimeoutMs,
    enforceRecommended: values["enforce-recommended"] === true,
    echoStderr: verbose,
    onEvent: eventPrinter(print, printCase),
  }).finally(async () => {
    if (container === undefined) return;
    const exitCode = await container.stop();
    print(`engine container stopped (exit code ${String(exitCode)})`);
  });

  printUnmatchedKnownFailing(print, result);
  if (result.cases.length === result.totals.skipped) print("no case was checked: see --run/--skip");
  return finishOutput(print, result, values);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await engineMain(process.argv.slice(2));
}
