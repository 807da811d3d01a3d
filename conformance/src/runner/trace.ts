/**
 * The recorded history of a runner-suite run: every frame in both directions on every runner
 * connection, decoded, with connection opens and closes. Cases wait on it and check it; failures
 * print the part of it that matters (the decoded frame trace).
 */
import type { runner } from "@actorwire/protocol";

type ToServer = runner.v7.ToServer;
type ToClient = runner.v7.ToClient;

/** One thing that happened on the harness's side of the runner connection. */
export type TraceEntry =
  | { readonly seq: number; readonly at: number; readonly conn: number; readonly kind: "open"; readonly url: string; readonly protocols: readonly string[] }
  | { readonly seq: number; readonly at: number; readonly conn: number; readonly kind: "close"; readonly code: number; readonly reason: string; readonly by: "harness" | "runner" }
  | { readonly seq: number; readonly at: number; readonly conn: number; readonly kind: "recv"; readonly message: ToServer; readonly bytes: number }
  | { readonly seq: number; readonly at: number; readonly conn: number; readonly kind: "recv-invalid"; readonly error: string; readonly bytes: number; readonly hex: string; readonly text: boolean }
  | { readonly seq: number; readonly at: number; readonly conn: number; readonly kind: "send"; readonly message: ToClient; readonly bytes: number }
  | { readonly seq: number; readonly at: number; readonly conn: number; readonly kind: "send-raw"; readonly note: string; readonly bytes: number; readonly hex: string }
  | { readonly seq: number; readonly at: number; readonly conn: number; readonly kind: "note"; readonly text: string };

/** Distributes `Omit` over the union so each variant keeps its own fields. */
type WithoutStamp<T> = T extends unknown ? Omit<T, "seq" | "at"> : never;
export type NewTraceEntry = WithoutStamp<TraceEntry>;

/** An append-only history with waiters. */
export class Trace {
  readonly entries: TraceEntry[] = [];
  private readonly listeners = new Set<(entry: TraceEntry) => void>();
  private readonly origin = Date.now();

  add(entry: NewTraceEntry): TraceEntry {
    const stamped = { ...entry, seq: this.entries.length, at: Date.now() - this.origin } as TraceEntry;
    this.entries.push(stamped);
    for (const listener of [...this.listeners]) listener(stamped);
    return stamped;
  }

  /** The index the next entry will get: a mark to search from. */
  get mark(): number {
    return this.entries.length;
  }

  /**
   * Resolves with the first entry at or after `since` for which `pick` returns a value; rejects
   * with a {@link WaitTimeout} naming `what` after `timeoutMs`.
   */
  waitFor<T>(since: number, pick: (entry: TraceEntry) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    for (let i = since; i < this.entries.length; i++) {
      const hit = pick(this.entries[i]!);
      if (hit !== undefined) return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      const listener = (entry: TraceEntry): void => {
        if (entry.seq < since) return;
        const hit = pick(entry);
        if (hit === undefined) return;
        cleanup();
        resolve(hit);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new WaitTimeout(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
    });
  }

  /** Entries at or after `since` for which `pick` returns a value. */
  collect<T>(since: number, pick: (entry: TraceEntry) => T | undefined): T[] {
    const out: T[] = [];
    for (let i = since; i < this.entries.length; i++) {
      const hit = pick(this.entries[i]!);
      if (hit !== undefined) out.push(hit);
    }
    return out;
  }

  /** The decoded frame trace from `since`, one line per entry, at most `max` lines (the last ones). */
  format(since: number, max = 60): string[] {
    const slice = this.entries.slice(since);
    const lines = slice.slice(-max).map(formatEntry);
    if (slice.length > max) lines.unshift(`… ${slice.length - max} earlier entries left out`);
    return lines;
  }
}

/** A wait that ran out of time; its message says what was awaited. */
export class WaitTimeout extends Error {
  override readonly name = "WaitTimeout";
}

/** One trace line: `+12.345s #2 runner→ ToServerEvents [...]`. */
export function formatEntry(entry: TraceEntry): string {
  const head = `+${(entry.at / 1000).toFixed(3)}s c${entry.conn}`;
  switch (entry.kind) {
    case "open":
      return `${head} open ${entry.url} protocols=${JSON.stringify(entry.protocols)}`;
    case "close":
      return `${head} close by ${entry.by} code=${entry.code} reason=${JSON.stringify(entry.reason)}`;
    case "recv":
      return `${head} runner→ ${entry.message.tag} ${show(entry.message.val)}`;
    case "recv-invalid":
      return `${head} runner→ UNDECODABLE ${entry.text ? "text" : "binary"} frame (${entry.bytes} B, ${entry.hex.slice(0, 48)}${entry.hex.length > 48 ? "…" : ""}): ${entry.error}`;
    case "send":
      return `${head} →runner ${entry.message.tag} ${show(entry.message.val)}`;
    case "send-raw":
      return `${head} →runner RAW ${entry.note} (${entry.bytes} B, ${entry.hex.slice(0, 48)})`;
    case "note":
      return `${head} note: ${entry.text}`;
  }
}

/** A compact, bounded rendering of a decoded value: bytes as hex, bigints with `n`, maps as objects. */
export function show(value: unknown, limit = 400): string {
  const text = render(value, 0);
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

function render(value: unknown, depth: number): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…(${value.length})` : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    const head = Buffer.from(bytes.subarray(0, 16)).toString("hex");
    return bytes.byteLength <= 16 ? `0x${head}` : `0x${head}…(${bytes.byteLength} B)`;
  }
  if (depth > 6) return "…";
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${render(k, depth + 1)}: ${render(v, depth + 1)}`).join(", ")}}`;
  if (Array.isArray(value)) {
    const items = value.slice(0, 20).map((v) => render(v, depth + 1));
    if (value.length > 20) items.push(`…${value.length - 20} more`);
    return `[${items.join(", ")}]`;
  }
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${render(v, depth + 1)}`).join(", ")}}`;
  }
  return String(value);
}
