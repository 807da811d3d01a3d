/**
 * The runner suite catches broken runners: Rivet's runner behind `testees/broken/runner-proxy.ts`,
 * which breaks the protocol in one way per fault. Each test runs only the cases the fault must
 * break (the suite against the unbroken runner, `cli-runner-rivet.test.ts`, passes them) and
 * asserts that they fail for the right reason.
 */
import { describe, expect, it } from "vitest";
import { compileGlob } from "./glob.js";
import type { SuiteRunResult } from "./results.js";
import { ROOT, testee } from "./run-cli-for-tests.js";
import { runRunnerSuite } from "./run-runner.js";

async function runBroken(fault: string, cases: string[], extra: { seed?: number; runs?: number } = {}): Promise<SuiteRunResult> {
  return runRunnerSuite({
    runner: testee(`broken/runner-proxy.ts ${fault}`),
    cwd: ROOT,
    run: cases.map(compileGlob),
    skip: [],
    knownFailing: [],
    startupTimeoutMs: 30_000,
    runs: extra.runs ?? 5,
    ...(extra.seed !== undefined ? { seed: extra.seed } : {}),
  });
}

function reasonOf(result: SuiteRunResult, name: string): string {
  const c = result.cases.find((x) => x.name === name);
  expect(c, `case ${name} ran`).toBeDefined();
  expect(c!.outcome, `${name}: ${c!.reason}`).toBe("failed");
  return c!.reason ?? "";
}

const FAULTS: { fault: string; cases: string[]; reason: RegExp }[] = [
  { fault: "duplicate-events", cases: ["runner/v7/lifecycle/start-running"], reason: /history violation \(event-numbering\).*sent twice on one connection/ },
  { fault: "events-from-one", cases: ["runner/v7/lifecycle/stop-stopped"], reason: /the first event of .* has index 1, not 0/ },
  { fault: "phantom-running", cases: ["runner/v7/reconnect/same-runner-key"], reason: /history violation \(events-for-started-actors\)/ },
  { fault: "never-answer-http", cases: ["runner/v7/tunnel/http/status-and-headers"], reason: /timed out .* waiting for the response to PUT \/echo/ },
  { fault: "reorder-ws", cases: ["runner/v7/ws/burst-order"], reason: /^order: 1,0,3,2/ },
  { fault: "wrong-pong", cases: ["runner/v7/ping/pong-echoes-ts"], reason: /pong carried ts 2, the ping 1/ },
  { fault: "no-stopping", cases: ["runner/v7/drain/sigterm-stopping"], reason: /waiting for ToServerStopping after SIGTERM/ },
  { fault: "reconnect-after-eviction", cases: ["runner/v7/reconnect/eviction-no-reconnect"], reason: /reconnected 1 time\(s\) after being evicted/ },
  { fault: "kv-reverse-lists", cases: ["runner/v7/kv/list-range"], reason: /the actor got .*, the engine answered/ },
  { fault: "kv-mangle-keys", cases: ["runner/v7/kv/put"], reason: /^keys: / },
];

describe("the runner suite catches broken runners", () => {
  for (const { fault, cases, reason } of FAULTS) {
    it(`${fault}: fails ${cases.join(", ")}`, async () => {
      const result = await runBroken(fault, cases);
      for (const name of cases) expect(reasonOf(result, name)).toMatch(reason);
      expect(result.exitCode).toBe(1);
    }, 60_000);
  }

  it("model-based sequences find a runner that reorders KV lists, shrink the sequence and print the seed", async () => {
    const result = await runBroken("kv-reverse-lists", ["runner/v7/model/random-sequences"], { seed: 1, runs: 10 });
    const reason = reasonOf(result, "runner/v7/model/random-sequences");
    expect(reason).toMatch(/shrunk sequence: kvPut\(#0, \[.*\]\),kvList\(#0/);
    expect(reason).toContain("replay: --seed 1");
    expect(reason).toContain("the shrunk sequence fails again when replayed");
    const detail = result.cases[0]!.detail!.join("\n");
    expect(detail).toMatch(/runner→ ToServerKvRequest .*KvListRequest/);
  }, 60_000);
});
