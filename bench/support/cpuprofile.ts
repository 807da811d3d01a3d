/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and sums self time per function and
 * per source file, so the bench can say where our engine spends its CPU without opening a
 * profiler UI.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly pct: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  /** Time in (idle) and (program)/(garbage collector) pseudo-frames, by name. */
  readonly pseudo: Record<string, number>;
  readonly topFunctions: SelfTime[];
  readonly topFiles: SelfTime[];
}

function shortUrl(url: string): string {
  if (url === "") return "(native)";
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) return path.slice(nm + "node_modules/".length);
  const repo = path.indexOf("/engine-ts/");
  if (repo >= 0) return path.slice(repo + 1);
  return path.replace(/^.*\/(?=[^/]+\/[^/]+$)/, "");
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<number, number>();
  if (profile.samples !== undefined && profile.timeDeltas !== undefined) {
    // Each sample's time is the delta to the next sample.
    for (let i = 0; i < profile.samples.length; i++) {
      const next = profile.timeDeltas[i + 1] ?? 0;
      selfMs.set(profile.samples[i]!, (selfMs.get(profile.samples[i]!) ?? 0) + next / 1000);
    }
  } else {
    const interval = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0));
    for (const n of profile.nodes) selfMs.set(n.id, (n.hitCount ?? 0) * interval);
  }
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const pseudo: Record<string, number> = {};
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName.startsWith("(") && url === "") {
      pseudo[functionName] = (pseudo[functionName] ?? 0) + ms;
      continue;
    }
    const where = shortUrl(url);
    const key = `${functionName || "(anonymous)"} ${where}${url === "" ? "" : `:${lineNumber + 1}`}`;
    functions.set(key, (functions.get(key) ?? 0) + ms);
    files.set(where, (files.get(where) ?? 0) + ms);
  }
  const busy = totalMs - (pseudo["(idle)"] ?? 0);
  const rank = (m: Map<string, number>): SelfTime[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), pct: Math.round((ms / busy) * 1000) / 10 }));
  for (const k of Object.keys(pseudo)) pseudo[k] = Math.round(pseudo[k]!);
  return { file, totalMs: Math.round(totalMs), pseudo, topFunctions: rank(functions), topFiles: rank(files) };
}
