/**
 * Child processes of the bench: spawning with a line-oriented stdout, stopping by PID (TERM,
 * then KILL after a grace period), free loopback ports, and resident memory from /proc.
 */
import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";
import { once } from "node:events";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();

// If the bench dies (an exception, Ctrl-C), its children must not outlive it: they hold ports
// and temp directories. Only the processes spawned here are signalled, each by its own PID.
process.once("exit", () => {
  for (const child of live) if (child.exitCode === null && child.pid !== undefined) child.kill("SIGKILL");
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** Removes `dir` when the bench exits, unless {@link forgetTempDir} was called first. */
export function removeOnExit(dir: string): string {
  tempDirs.add(dir);
  return dir;
}

export function forgetTempDir(dir: string): void {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => process.exit(130));
}

export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL; resolves once the process has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<{ graceful: boolean }> {
  if (child.exitCode !== null || child.signalCode !== null) return { graceful: true };
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs).unref());
  if ((await Promise.race([exited.then(() => "exited" as const), timer])) === "exited") return { graceful: true };
  child.kill("SIGKILL");
  await exited;
  return { graceful: false };
}

/** Kills `child` with SIGKILL (no shutdown of any kind) and waits until it is gone. */
export async function killProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

/**
 * Runs `attempt` until it resolves, at most `tries` times with `pauseMs` between, and rethrows
 * the last failure: for starting a process again on a port its predecessor just let go of.
 */
export async function retry<T>(tries: number, pauseMs: number, attempt: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await attempt();
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
  throw lastError;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("could not get a free port");
  return address.port;
}

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+)( kB)?$`, "m").exec(status);
  if (match === null) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) * (match[2] === undefined ? 1 : 1024);
}

/** PIDs of `pid` and all its descendants, from /proc/<pid>/task/<tid>/children. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const children = readFileSync(`/proc/${p}/task/${tid}/children`, "utf8").trim();
        if (children !== "") for (const c of children.split(/\s+/)) out.push(Number(c));
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  }
  return out;
}

export interface MemorySample {
  /** VmRSS of the process itself, in bytes. */
  readonly rssBytes: number;
  /** VmHWM (peak resident set) of the process itself, in bytes. */
  readonly peakRssBytes: number;
  /** VmRSS summed over the process and its descendants (equal to rssBytes when it has none). */
  readonly treeRssBytes: number;
  readonly processes: number;
  readonly threads: number;
}

export function memoryOf(pid: number): MemorySample {
  const tree = processTree(pid);
  let treeRssBytes = 0;
  for (const p of tree) {
    try {
      treeRssBytes += statusField(p, "VmRSS");
    } catch {
      // A descendant that already exited.
    }
  }
  return {
    rssBytes: statusField(pid, "VmRSS"),
    peakRssBytes: statusField(pid, "VmHWM"),
    treeRssBytes,
    processes: tree.length,
    threads: statusField(pid, "Threads"),
  };
}

/** User + system CPU seconds the process has used so far (from /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/** CPU seconds the whole machine has spent busy (all cores, all processes) since boot, from /proc/stat. */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
  return busy / 100;
}
