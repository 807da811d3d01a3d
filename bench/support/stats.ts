/** Small numeric helpers shared by the engine benchmark: percentiles, rates and formatting. */

/** The q-quantile (0..1) of `xs` by the nearest-rank method; NaN when `xs` is empty. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = Float64Array.from(xs).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** p50, p90, p99 and max of latencies in milliseconds, with the sample count. */
export interface LatencySummary {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function summarize(ms: readonly number[]): LatencySummary {
  const n = ms.length;
  let sum = 0;
  let max = Number.NaN;
  for (const x of ms) {
    sum += x;
    if (!(x <= max)) max = x;
  }
  return { n, p50: quantile(ms, 0.5), p90: quantile(ms, 0.9), p99: quantile(ms, 0.99), max, mean: n === 0 ? Number.NaN : sum / n };
}

/** Rounds to `digits` significant-looking decimals for the JSON file (keeps it readable). */
export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function fmtInt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "n/a";
  return Math.round(n).toLocaleString("en-US");
}

/** Milliseconds with enough precision to tell 0.3 ms from 0.4 ms and 120 ms from 130 ms. */
export function fmtMs(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "n/a";
  if (n < 10) return n.toFixed(2);
  if (n < 100) return n.toFixed(1);
  return Math.round(n).toLocaleString("en-US");
}

export function fmtMiB(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "n/a";
  return (bytes / 2 ** 20).toFixed(1);
}

/** A markdown table; columns listed in `left` are left-aligned, the rest right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], left: ReadonlySet<number> = new Set([0])): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `| ${widths.map((w, i) => (left.has(i) ? (cells[i] ?? "").padEnd(w) : (cells[i] ?? "").padStart(w))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (left.has(i) ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 5): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A positive integer setting from the environment, or `fallback` when it is unset or empty. */
export function positiveInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: expected a positive integer, got ${JSON.stringify(text)}`);
  return n;
}
