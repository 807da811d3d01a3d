/**
 * The packages as a user gets them: every published package is packed (each built by its own
 * `prepack`), the tarballs are installed into fresh apps in the system's temporary folder,
 * outside this repository, and used there with plain `node`: no tsx, no `source` condition,
 * no workspace links. Installs read npm's cache first, so only a cold cache needs the registry.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packAll, type PackedPackage } from "../src/pack.js";
import { ROOT } from "../src/packages.js";

const APP_FILES = join(import.meta.dirname, "app");
const INSTALL_TIMEOUT_MS = 600_000;

const work = mkdtempSync(join(tmpdir(), "actorwire-installed-"));
let packed: Map<string, PackedPackage>;
const children: ChildProcess[] = [];

/** Writes an app whose dependencies are the given tarballs, with every @actorwire package pinned to its tarball. */
function makeApp(name: string, direct: readonly string[], extra: Record<string, string> = {}): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(APP_FILES)) copyFileSync(join(APP_FILES, file), join(dir, file));
  const tarballOf = (pkg: string): string => `file:${(packed.get(pkg) as PackedPackage).tarball}`;
  // There is no registry holding our packages, so `overrides` stands in for one: a dependency
  // on `@actorwire/protocol@^0.1.0` inside the client's tarball resolves to the protocol tarball.
  const overrides = Object.fromEntries([...packed.keys()].map((pkg) => [pkg, direct.includes(pkg) ? `$${pkg}` : tarballOf(pkg)]));
  const dependencies = { ...Object.fromEntries(direct.map((pkg) => [pkg, tarballOf(pkg)])), ...extra };
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module", dependencies, overrides }, null, 2));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"], timeout: INSTALL_TIMEOUT_MS });
  return dir;
}

function run(dir: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(command, args, { cwd: dir, encoding: "utf8", env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    return { status: 0, stdout, stderr: "" };
  } catch (error) {
    const e = error as { status: number | null; stdout: string; stderr: string };
    return { status: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Starts the installed engine bin on a free port and resolves with its endpoint once it listens. */
async function startEngine(dir: string, dataDir: string): Promise<string> {
  const child = spawn(join(dir, "node_modules/.bin/actorwire-engine"), ["--port", "0", "--data-dir", dataDir], { cwd: dir, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ACTORWIRE_LOG_LEVEL: "warn" } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split("\n").find((l) => l.includes('"port"'));
      if (line !== undefined) resolve(`http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`);
    });
    child.once("exit", (code) => reject(new Error(`the installed engine exited (${String(code)}) before it listened: ${text}`)));
  });
}

beforeAll(() => {
  packed = packAll(join(work, "packs"));
  for (const p of packed.values()) console.log(`packed ${p.name}: ${(p.bytes / 1024).toFixed(1)} KiB, ${p.files} files`);
}, INSTALL_TIMEOUT_MS);

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

describe("the tarballs", () => {
  it("hold built ESM, declarations, maps, README and LICENSE, and no tests or build state", () => {
    for (const p of packed.values()) {
      const files = execFileSync("tar", ["-tzf", p.tarball], { encoding: "utf8" }).split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));
      expect(files, p.name).toContain("README.md");
      expect(files, p.name).toContain("LICENSE");
      expect(files.some((f) => f.startsWith("dist/") && f.endsWith(".js")), `${p.name} has built JavaScript`).toBe(true);
      expect(files.some((f) => f.endsWith(".d.ts")), `${p.name} has declarations`).toBe(true);
      expect(files.some((f) => f.endsWith(".js.map")), `${p.name} has source maps`).toBe(true);
      const unwanted = files.filter((f) => /\.test\.|\.suite\.|tsbuildinfo|(^|\/)tsconfig\.json$|(^|\/)test\//.test(f));
      expect(unwanted, `${p.name} ships no tests or build state`).toEqual([]);
    }
  });

  it("share one version, and depend on each other by caret ranges of it", () => {
    const versions = new Set([...packed.values()].map((p) => p.version));
    expect(versions.size).toBe(1);
    const [version] = versions;
    for (const p of packed.values()) {
      const manifest = JSON.parse(execFileSync("tar", ["-xzOf", p.tarball, "package/package.json"], { encoding: "utf8" })) as { private?: boolean; dependencies?: Record<string, string> };
      expect(manifest.private, p.name).toBeUndefined();
      for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
        if (dep.startsWith("@actorwire/")) expect(range, `${p.name} → ${dep}`).toBe(`^${version}`);
      }
    }
  });
});

describe("an app outside the repository", () => {
  let app: string;
  let endpoint: string;

  beforeAll(async () => {
    app = makeApp("app", [...packed.keys()], { "@types/node": readRootDevDependency("@types/node") });
    expect(relative(ROOT, app).startsWith("..")).toBe(true);
    endpoint = await startEngine(app, join(work, "data"));
    const runner = spawn(process.execPath, ["runner.mjs"], { cwd: app, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, RIVET_ENDPOINT: endpoint } });
    children.push(runner);
  }, INSTALL_TIMEOUT_MS);

  it("starts the engine through the installed bin, hosts an actor with the runner, and calls it with the client", async () => {
    // The engine refuses actors for a runner name no runner has connected with yet, so the
    // first call is repeated until the runner is there.
    let out = run(app, process.execPath, ["client.mjs", "full-app"], { RIVET_ENDPOINT: endpoint });
    for (let tries = 0; out.status !== 0 && out.stderr.includes("no_runner_config_configured") && tries < 60; tries++) {
      await new Promise((r) => setTimeout(r, 500));
      out = run(app, process.execPath, ["client.mjs", "full-app"], { RIVET_ENDPOINT: endpoint });
    }
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual({ answer: 7, seen: 7 });
  }, 60_000);

  it("type-checks a strict nodenext TypeScript file against the installed declarations, skipLibCheck off", () => {
    const tsc = createRequire(join(ROOT, "package.json")).resolve("typescript/bin/tsc");
    const out = run(app, process.execPath, [tsc, "-p", "tsconfig.json"]);
    expect(out.stdout + out.stderr).toBe("");
    expect(out.status).toBe(0);
    // The same check must be able to fail: a wrong argument type is an error.
    writeFileSync(join(app, "wrong.ts"), 'import { createClient } from "@actorwire/client";\nimport type { registry } from "./registry.js";\nawait createClient<typeof registry>("http://x").counter.get(["k"]).increment("one");\n');
    const wrong = run(app, process.execPath, [tsc, "--noEmit", "--strict", "--module", "nodenext", "--target", "es2022", "--types", "node", "wrong.ts"]);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout).toMatch(/wrong\.ts.*not assignable to parameter of type 'number'/s);
  });

  it("links every bin, and each answers --version and refuses an unknown flag", () => {
    const version = [...packed.values()][0]?.version;
    for (const bin of ["actorwire-engine", "actorwire-codegen", "actorwire-conformance"]) {
      const path = join(app, "node_modules/.bin", bin);
      expect(existsSync(path), bin).toBe(true);
      expect(run(app, path, ["--version"]).stdout.trim(), bin).toBe(version);
      const bad = run(app, path, ["--no-such-flag"]);
      expect(bad.status, bin).toBe(2);
      expect(bad.stderr, bin).toMatch(/--no-such-flag/);
    }
  });

  it("has source maps whose sources exist in the installed packages", () => {
    let checked = 0;
    for (const name of packed.keys()) {
      const pkgDir = join(app, "node_modules", name);
      const maps = execFileSync("find", [join(pkgDir, "dist"), "-name", "*.js.map"], { encoding: "utf8" }).split("\n").filter(Boolean);
      for (const map of maps) {
        const { sources } = JSON.parse(readFileSync(map, "utf8")) as { sources: string[] };
        for (const source of sources) expect(existsSync(join(dirname(map), source)), `${relative(app, map)} → ${source}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("works with only @actorwire/client installed", () => {
    const clientOnly = makeApp("client-only", ["@actorwire/client"]);
    const installed = readdirSync(join(clientOnly, "node_modules/@actorwire")).sort();
    expect(installed).toEqual(["client", "protocol"]);
    const out = run(clientOnly, process.execPath, ["client.mjs", "client-only"], { RIVET_ENDPOINT: endpoint });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual({ answer: 7, seen: 7 });
  }, INSTALL_TIMEOUT_MS);
});

function readRootDevDependency(name: string): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  return pkg.devDependencies[name] as string;
}
