import type { Logger } from "pino";

/** Listener lists keyed by event name; each event's arguments are a tuple type. */
export type EventMap = Record<string, readonly unknown[]>;

type StoredListener = (...args: readonly unknown[]) => void;

/**
 * A minimal typed event emitter. Unlike Node's, a listener that throws does not stop the
 * other listeners or the connection that emitted the event: the error is logged instead,
 * because one faulty plug-in must not take a runner connection down with it.
 */
export class TypedEmitter<M extends EventMap> {
  private readonly listeners = new Map<keyof M, Set<StoredListener>>();

  constructor(private readonly log?: Logger) {}

  /** Adds a listener and returns a function that removes it. */
  on<K extends keyof M>(event: K, listener: (...args: M[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as unknown as StoredListener);
    return () => this.off(event, listener);
  }

  /** Removes a listener added with {@link on}. */
  off<K extends keyof M>(event: K, listener: (...args: M[K]) => void): void {
    this.listeners.get(event)?.delete(listener as unknown as StoredListener);
  }

  /** Calls every listener of `event` in the order they were added. */
  emit<K extends keyof M>(event: K, ...args: M[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (err) {
        this.log?.error({ err, event: String(event) }, "runner event listener threw");
      }
    }
  }
}
