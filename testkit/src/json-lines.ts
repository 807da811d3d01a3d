import type { Readable } from "node:stream";
import { createInterface } from "node:readline";

/**
 * The JSON lines a child process prints, kept in order, with a way to wait for one. Lines
 * that are not JSON objects are kept apart in {@link other}, for failure messages.
 */
export class JsonLines<T extends object> {
  readonly lines: T[] = [];
  readonly other: string[] = [];
  private readonly wakeups = new Set<() => void>();

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
      for (const wake of [...this.wakeups]) wake();
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
  async wait(what: string, match: (line: T) => boolean, { from = 0, timeoutMs = 30_000 }: WaitOptions = {}): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [found] = this.filter(match, from);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const tail = [...this.lines.slice(-15).map((l) => JSON.stringify(l)), ...this.other.slice(-5)].join("\n  ");
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last lines:\n  ${tail}`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.wakeups.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.wakeups.add(wake);
      });
    }
  }
}

export interface WaitOptions {
  /** Only lines at this index or later count (see {@link JsonLines.mark}). */
  readonly from?: number;
  readonly timeoutMs?: number;
}
