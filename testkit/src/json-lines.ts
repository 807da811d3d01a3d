import type { Readable } from "node:stream";
import { createInterface } from "node:readline";
import { Changes, eventually } from "./eventually.js";

/**
 * The JSON lines a child process prints, kept in order, with a way to wait for one. Lines
 * that are not JSON objects are kept apart in {@link other}, for failure messages.
 */
export class JsonLines<T extends object> {
  readonly lines: T[] = [];
  readonly other: string[] = [];
  private readonly changes = new Changes();

  /** Reads `stream` to its end; every line wakes the waiters. */
  follow(stream: Readable): void {
    const reader = createInterface({ input: stream });
    reader.on("line", (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      if (typeof parsed === "object" && parsed !== null) this.lines.push(parsed as T);
      else this.other.push(line);
      this.changes.notify();
    });
  }

  /** How many lines have been read; pass it as `from` to wait only for later lines. */
  get mark(): number {
    return this.lines.length;
  }

  /** The lines from index `from` on that match. */
  filter<U extends T>(match: (line: T) => line is U, from?: number): U[];
  filter(match: (line: T) => boolean, from?: number): T[];
  filter(match: (line: T) => boolean, from = 0): T[] {
    return this.lines.slice(from).filter(match);
  }

  /**
   * The first line at index `from` or later that matches, waiting for it up to `timeoutMs`
   * (a bound for failures, not a measurement).
   */
  wait<U extends T>(what: string, match: (line: T) => line is U, options?: WaitOptions): Promise<U>;
  wait(what: string, match: (line: T) => boolean, options?: WaitOptions): Promise<T>;
  wait(what: string, match: (line: T) => boolean, { from = 0, timeoutMs = 30_000 }: WaitOptions = {}): Promise<T> {
    return eventually(what, () => this.filter(match, from)[0], {
      timeoutMs,
      changes: this.changes,
      describe: () => `last lines:\n  ${[...this.lines.slice(-15).map((l) => JSON.stringify(l)), ...this.other.slice(-5)].join("\n  ")}`,
    }) as Promise<T>;
  }
}

export interface WaitOptions {
  /** Only lines at this index or later count (see {@link JsonLines.mark}). */
  readonly from?: number;
  readonly timeoutMs?: number;
}
