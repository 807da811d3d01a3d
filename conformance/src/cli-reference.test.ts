/**
 * The whole codec suite against the reference testee, through the real CLI: every case
 * passes, the summary has one line per family and version and the exact final line, and the
 * JUnit and JSON reports say the same.
 */
import { describe, expect, it } from "vitest";
import { runCli, testee, type CliRun } from "./run-cli-for-tests.js";

/**
 * A small well-formedness check, enough to catch broken escaping or nesting in JUnit output:
 * one root element, balanced tags, quoted attributes, known entities, nothing stray.
 */
function xmlProblem(text: string): string | null {
  const body = text.replace(/^<\?xml [^?]*\?>\s*/, "");
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let roots = 0;
  let match: RegExpExecArray | null;
  let at = 0;
  while (at < body.length) {
    token.lastIndex = at;
    match = token.exec(body);
    if (match === null) return `unparseable at ${at}: ${JSON.stringify(body.slice(at, at + 40))}`;
    at = token.lastIndex;
    const [, close, name, attributes, selfClosing, chars] = match;
    const text = chars ?? attributes ?? "";
    const badEntity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.exec(text);
    if (badEntity !== null) return `bare & in ${JSON.stringify(text.slice(0, 60))}`;
    if (chars !== undefined) {
      if (stack.length === 0 && chars.trim() !== "") return "text outside the root";
      continue;
    }
    if (close === "/") {
      if (stack.pop() !== name) return `</${name}> does not close the open element`;
    } else if (selfClosing !== "/") {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
  }
  if (stack.length > 0) return `unclosed ${stack.join(" > ")}`;
  return roots === 1 ? null : `${roots} root elements`;
}

describe("codec suite against the reference testee", () => {
  let run: CliRun;

  it("passes every case and exits 0", async () => {
    run = await runCli(["codec", "--testee", testee("codec-ts.ts")], { reports: true });
    expect(run.stderr).toBe("");
    expect(run.code, run.stdout.slice(-2000)).toBe(0);
    expect(run.lines[0]).toMatch(/^testee: actorwire codec-ts \d+\.\d+\.\d+ \(/);
    expect(run.lines.filter((l) => l.startsWith("FAIL"))).toEqual([]);
  });

  it("prints one summary line per family and version, and the final count line", () => {
    const groups = run.lines.filter((l) => /^(runner|client|persist|envoy) v\d+: /.test(l));
    expect(groups.map((l) => l.split(":")[0])).toEqual([
      "runner v1", "runner v2", "runner v3", "runner v4", "runner v5", "runner v6", "runner v7",
      "client v1", "client v2", "client v3", "client v4", "persist v1",
      // The envoy family has no v7: its layout is not published.
      "envoy v1", "envoy v2", "envoy v3", "envoy v4", "envoy v5", "envoy v6", "envoy v8",
    ]);
    let total = 0;
    for (const line of groups) {
      const m = /^\w+ v\d+: (\d+)\/(\d+) required, (\d+)\/(\d+) recommended$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![1], line).toBe(m![2]);
      expect(m![3], line).toBe(m![4]);
      expect(Number(m![2])).toBeGreaterThan(50);
      total += Number(m![2]) + Number(m![4]);
    }
    expect(run.lines.at(-1)).toBe(`${total} passed, 0 failed`);
    expect(run.lines.at(-2)).toMatch(/^finished in \d+\.\d s$/);
  });

  it("writes a JSON report that agrees with the summary", () => {
    const report = run.report!;
    expect(report.exitCode).toBe(0);
    expect(report.testee?.name).toBe("actorwire codec-ts");
    expect(report.totals).toEqual({ passed: report.cases.length, failed: 0, skipped: 0, expectedFailures: 0 });
    expect(report.cases.every((c) => c.outcome === "passed")).toBe(true);
    expect(report.groups).toHaveLength(19);
    expect(report.cases.filter((c) => c.level === "required").length).toBe(report.groups.reduce((n, g) => n + g.required.total, 0));
    expect(report.cases.map((c) => c.name)).toContain("codec/runner/v7/ToServer/all-present/reject-truncated");
    expect(report.cases.map((c) => c.name)).toContain("codec/client/v4/HttpActionRequest/len=16385/encode");
    expect(report.cases.map((c) => c.name)).toContain("codec/envoy/v8/ToRivet/all-present/reject-truncated");
  });

  it("writes well-formed JUnit XML with a suite per family and version", () => {
    const xml = run.junit!;
    expect(xmlProblem(xml)).toBeNull();
    const root = /<testsuites [^>]*tests="(\d+)" failures="(\d+)" errors="0" skipped="(\d+)"/.exec(xml);
    expect(root).not.toBeNull();
    expect([Number(root![1]), Number(root![2]), Number(root![3])]).toEqual([run.report!.cases.length, 0, 0]);
    expect(xml.match(/<testsuite /g)).toHaveLength(19);
    expect(xml.match(/<testcase /g)).toHaveLength(run.report!.cases.length);
    expect(xml).toContain('<testsuite name="codec/runner/v7"');
    expect(xml).toContain('name="codec/runner/v7/ToServer/all-absent [union ToServer=ToServerEvents]/decode" classname="codec.runner.v7.ToServer"');
  });

  it("has an XML checker that notices broken XML", () => {
    expect(xmlProblem('<a x="1"><b/>t &amp; u</a>')).toBeNull();
    expect(xmlProblem("<a><b></a>")).not.toBeNull();
    expect(xmlProblem("<a>x & y</a>")).not.toBeNull();
    expect(xmlProblem('<a x="<">')).not.toBeNull();
    expect(xmlProblem("<a/><b/>")).not.toBeNull();
  });
});

describe("the CLI", () => {
  it("exits 2 with one line and a hint on a usage error", async () => {
    const run = await runCli(["codec"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("actorwire-conformance: --testee is required\nTry 'actorwire-conformance --help'.\n");
  });

  it("selects cases with --run and --skip", async () => {
    const run = await runCli(
      ["codec", "--testee", testee("codec-ts.ts"), "--run", "codec/client/v1/**", "--run", "codec/runner/v7/ToGateway/**", "--skip", "**/decode", "--skip", "codec/client/v1/*/*/reject-*"],
      { reports: true },
    );
    expect(run.code, run.stdout).toBe(0);
    const names = run.report!.cases.map((c) => c.name);
    expect(names.length).toBeGreaterThan(50);
    for (const name of names) {
      expect(name).toMatch(/^codec\/(client\/v1\/.*\/encode|runner\/v7\/ToGateway\/.*\/(encode|reject-[a-z0-9-]+))$/);
    }
    expect(run.lines.filter((l) => /^(runner|client) v\d+: \d/.test(l)).map((l) => l.split(":")[0])).toEqual(["runner v7", "client v1"]);
    expect(run.lines.at(-1)).toBe(`${names.length} passed, 0 failed`);
  });
});

describe("a partial testee", () => {
  it("is run only on what its hello lists, and its skipped cases are counted apart", async () => {
    const run = await runCli(["codec", "--testee", testee("partial.ts")], { reports: true });
    expect(run.code, run.stdout).toBe(0);
    const report = run.report!;
    expect(new Set(report.cases.map((c) => c.group))).toEqual(new Set(["runner v7"]));
    const skipped = report.cases.filter((c) => c.outcome === "skipped");
    expect(skipped.length).toBeGreaterThan(0);
    for (const c of skipped) {
      expect(c.name).toMatch(/\/len=1048576[^/]*\/(decode|encode)$/);
      expect(c.reason).toBe("messages over 1 MiB are not supported");
    }
    expect(run.lines).toContain("runner v1: not supported by the testee");
    expect(run.lines).toContain("client v4: not supported by the testee");
    const v7 = report.groups.find((g) => g.group === "runner v7")!;
    expect(run.lines).toContain(`runner v7: ${v7.required.total}/${v7.required.total} required, 40/40 recommended (${skipped.length} skipped)`);
    expect(run.lines.at(-1)).toBe(`${report.cases.length - skipped.length} passed, 0 failed, ${skipped.length} skipped`);
    expect(run.junit).toContain('<skipped message="messages over 1 MiB are not supported">');
  });
});
