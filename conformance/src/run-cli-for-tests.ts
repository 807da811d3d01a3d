/**
 * Runs the `actorwire-conformance` bin as a real child process, as a user would, and
 * collects what it printed and how it exited.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: commands below run from there. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const BIN = fileURLToPath(new URL("../bin/actorwire-conformance.js", import.meta.url));

/** The command line of a testee under `conformance/testees/`. */
export function testee(path: string): string {
  return `"${process.execPath}" --import tsx --conditions=source conformance/testees/${path}`;
}

/** What one run printed and how it exited, with its JSON report when one was asked for. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
  report?: JsonReport;
  junit?: string;
}

/** The parts of the JSON report the tests read. */
export interface JsonReport {
  exitCode: number;
  testee: { name: string; version: string } | null;
  totals: { passed: number; failed: number; skipped: number; expectedFailures: number };
  groups: { group: string; supported: boolean; required: { passed: number; total: number }; recommended: { passed: number; total: number } }[];
  cases: { name: string; group: string; level: string; outcome: string; reason?: string; detail?: string[] }[];
  notes: string[];
}

/** Runs `actorwire-conformance <args>`; with `reports`, adds --json and --junit into a temporary directory and reads them back. */
export async function runCli(args: string[], options: { reports?: boolean } = {}): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), "aw-conformance-"));
  const json = join(dir, "report.json");
  const junit = join(dir, "report.xml");
  const all = options.reports ? [...args, "--json", json, "--junit", junit] : args;
  const child = spawn(process.execPath, [BIN, ...all], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  const run: CliRun = { code, stdout, stderr, lines: stdout.trimEnd().split("\n") };
  if (options.reports) {
    run.report = JSON.parse(readFileSync(json, "utf8")) as JsonReport;
    run.junit = readFileSync(junit, "utf8");
  }
  return run;
}

/** The names of the cases of a report with one of these outcomes. */
export function namesWith(report: JsonReport, ...outcomes: string[]): string[] {
  return report.cases.filter((c) => outcomes.includes(c.outcome)).map((c) => c.name);
}
