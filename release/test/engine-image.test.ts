/**
 * The engine image, built by `npm run docker:build` exactly as a user builds it, run in a real
 * Docker daemon with host networking on 127.0.0.1 only. Needs Docker: `.ci/run` installs
 * Debian's docker.io and starts `dockerd --bridge=none --iptables=false` when none runs; with
 * no daemon every test here fails loudly.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startEngineContainer, type StartedEngineContainer } from "@actorwire/testkit";
import { buildEngineImage, DEFAULT_IMAGE } from "../src/docker-build.js";
import { readPackageJson, ROOT } from "../src/packages.js";

// The reaper container testcontainers would start needs an image registry; every container
// here is stopped by the tests themselves.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

const BUILD_TIMEOUT_MS = 900_000;
const version = readPackageJson("engine-ts").version;
const image = `${DEFAULT_IMAGE}:${version}`;
const volume = `actorwire-image-test-${process.pid}`;
const children: ChildProcess[] = [];

function docker(args: readonly string[], timeout = 60_000): { status: number | null; stdout: string; stderr: string } {
  try {
    return { status: 0, stdout: execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout }), stderr: "" };
  } catch (error) {
    const e = error as { status: number | null; stdout: string; stderr: string };
    return { status: e.status, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** Starts a process from the repository root with the workspace sources (tsx, `source` condition). */
function startFromSources(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", script], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

/** Calls the app's client script (increment by 7 on `key`, waiting for the event) until it answers. */
async function callCounter(endpoint: string, key: string, deadlineMs = 60_000): Promise<{ answer: number; seen: number }> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const out = execFileSync(process.execPath, ["--import", "tsx", "--conditions=source", "release/test/app/client.mjs", key], { cwd: ROOT, encoding: "utf8", env: { ...process.env, RIVET_ENDPOINT: endpoint }, timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] });
      return JSON.parse(out) as { answer: number; seen: number };
    } catch (error) {
      // Right after a start or restart the runner may not have (re)connected yet.
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

beforeAll(() => {
  const info = docker(["info", "--format", "{{.ServerVersion}}"]);
  if (info.status !== 0) throw new Error(`these tests need a Docker daemon (docker info: ${info.stderr.trim()}); start one with: dockerd --bridge=none --iptables=false`);
  const started = Date.now();
  expect(buildEngineImage()).toBe(image);
  console.log(`docker:build took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, BUILD_TIMEOUT_MS);

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  docker(["volume", "rm", "-f", volume]);
});

describe("the engine image", () => {
  it("is tagged with the version and latest, runs as a non-root user, and declares /data, 6420 and a healthcheck", () => {
    const inspect = JSON.parse(docker(["image", "inspect", image]).stdout) as [{ RepoTags: string[]; Config: { User: string; Volumes: Record<string, unknown>; ExposedPorts: Record<string, unknown>; Healthcheck?: { Test: string[] }; Entrypoint: string[] }; Size: number }];
    const config = inspect[0].Config;
    expect(inspect[0].RepoTags).toEqual(expect.arrayContaining([image, `${DEFAULT_IMAGE}:latest`]));
    expect(config.User).toBe("node");
    expect(Object.keys(config.Volumes)).toEqual(["/data"]);
    expect(Object.keys(config.ExposedPorts)).toEqual(["6420/tcp"]);
    expect(config.Healthcheck?.Test.join(" ")).toContain("/health");
    console.log(`image size: ${(inspect[0].Size / 1024 / 1024).toFixed(0)} MiB`);
  });

  it("answers --help and --version, and refuses an unknown flag with exit 2", () => {
    const help = docker(["run", "--rm", "--network", "host", image, "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: actorwire-engine/);
    expect(docker(["run", "--rm", "--network", "host", image, "--version"]).stdout.trim()).toBe(version);
    const bad = docker(["run", "--rm", "--network", "host", image, "--no-such-flag"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^actorwire-engine: .*--no-such-flag/);
  });

  it("serves /health after `docker run`, and reports healthy to Docker", async () => {
    const port = await freePort();
    const started = Date.now();
    const id = docker(["run", "-d", "--network", "host", "-e", "ACTORWIRE_HOST=127.0.0.1", "-e", `ACTORWIRE_PORT=${port}`, image]).stdout.trim();
    try {
      let health: Response | undefined;
      while (health === undefined && Date.now() - started < 60_000) {
        health = await fetch(`http://127.0.0.1:${port}/health`).catch(async () => {
          await new Promise((r) => setTimeout(r, 50));
          return undefined;
        });
      }
      console.log(`docker run to first /health: ${Date.now() - started} ms`);
      expect(health?.status).toBe(200);
      expect(await health?.json()).toEqual({ status: "ok", runtime: "engine", version });
      expect(docker(["exec", id, "id", "-u"]).stdout.trim()).toBe("1000");
      // Docker runs the HEALTHCHECK itself; its first probe comes after the start period.
      let status = "";
      for (let i = 0; i < 60 && status !== "healthy"; i++) {
        status = docker(["inspect", "--format", "{{.State.Health.Status}}", id]).stdout.trim();
        if (status !== "healthy") await new Promise((r) => setTimeout(r, 500));
      }
      expect(status).toBe("healthy");
    } finally {
      docker(["rm", "-f", id]);
    }
  }, 90_000);
});

describe("the engine in a container (startEngineContainer)", () => {
  let engine: StartedEngineContainer;
  const runnerName = `image-rivet-${process.pid}`;

  beforeAll(async () => {
    engine = await startEngineContainer({ image, dataVolume: volume, env: { ACTORWIRE_RUNNER_LOST_THRESHOLD_MS: "2000" } });
    startFromSources("release/test/app/runner.mjs", { RIVET_ENDPOINT: engine.endpoint });
    startFromSources("engine-ts/test/support/rivet-runner-process.ts", { ACTORWIRE_TEST_ENDPOINT: engine.endpoint, ACTORWIRE_TEST_RUNNER_NAME: runnerName });
  }, 120_000);

  afterAll(async () => {
    await engine?.stop(1_000).catch(() => {});
  });

  it("hosts an actor of our runner that our client calls, events included", async () => {
    expect(await callCounter(engine.endpoint, "image")).toEqual({ answer: 7, seen: 7 });
  }, 90_000);

  it("hosts an actor of Rivet's runner (@rivetkit/engine-runner 2.2.1) reached through the gateway", async () => {
    let actorId: string | undefined;
    const deadline = Date.now() + 60_000;
    // The pool exists once Rivet's runner has connected; until then the creation is refused.
    while (actorId === undefined) {
      const res = await fetch(`${engine.endpoint}/actors?namespace=default`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "test", key: "rivet", runner_name_selector: runnerName, crash_policy: "sleep" }),
      });
      const body = (await res.json()) as { actor?: { actor_id: string } };
      actorId = body.actor?.actor_id;
      if (actorId === undefined) {
        if (Date.now() > deadline) throw new Error(`PUT /actors answered ${res.status}: ${JSON.stringify(body)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const res = await fetch(`${engine.endpoint}/gateway/${actorId}/request/count`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ count: 1 });
  }, 90_000);

  it("keeps actor state across `docker restart` with its volume", async () => {
    const before = await callCounter(engine.endpoint, "restart");
    expect(before.answer).toBe(7);
    await engine.restart();
    expect(await callCounter(engine.endpoint, "restart")).toEqual({ answer: 14, seen: 14 });
  }, 120_000);

  it("drains on `docker stop` and exits 0 before Docker's 10 s SIGKILL", async () => {
    const started = Date.now();
    expect(await engine.stop(10_000)).toBe(0);
    console.log(`docker stop took ${Date.now() - started} ms`);
  }, 60_000);
});

describe("the engine conformance suite against the image", () => {
  it("passes through actorwire-conformance engine --engine-image", () => {
    const args = [
      "conformance/bin/actorwire-conformance.js",
      "engine",
      "--engine-image",
      image,
      "--engine-env",
      "ACTORWIRE_RUNNER_LOST_THRESHOLD_MS=1500",
      "--runner-lost-timeout",
      "30000",
      "--known-failing",
      join("conformance/known-failing/engine-actorwire.txt"),
    ];
    let stdout: string;
    try {
      stdout = execFileSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", timeout: 300_000, stdio: ["ignore", "pipe", "inherit"] });
    } catch (error) {
      throw new Error(`the suite failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
    }
    expect(stdout).toMatch(/^engine: http:\/\/127\.0\.0\.1:\d+ \(container of actorwire\/engine:/m);
    expect(stdout).toMatch(/^engine container stopped \(exit code 0\)$/m);
    expect(stdout.trimEnd().split("\n").at(-1)).toMatch(/^[1-9]\d* passed, 0 failed/);
  }, 320_000);
});
