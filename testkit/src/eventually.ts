/**
 * Waiting in tests for something that happens on its own time: a condition polled until it
 * holds, or re-checked each time a {@link Changes} says something changed, or a promise given
 * a deadline. Timeouts here are
 * bounds for failures, not measurements. No test framework is imported, so this works under
 * vitest, `node --test` or a plain script.
 */

/** What a check returns while the awaited thing has not happened yet. */
export type NotYet = undefined | null | false;

/** How {@link eventually} waits. */
export interface EventuallyOptions {
  /** How long to wait before failing (default 10,000 ms). */
  readonly timeoutMs?: number;
  /** The pause between two checks when no {@link changes} is given (default 10 ms). */
  readonly intervalMs?: number;
  /**
   * Check again each time this is notified instead of on a fixed interval: for state that says
   * when it changes, such as a queue of received messages.
   */
  readonly changes?: Changes;
  /** Extra detail for the failure message, read when the wait times out (what is queued, the last log lines). */
  readonly describe?: () => string;
}

/**
 * Resolves with the first value of `check` that is not `undefined`, `null` or `false`, checking
 * at once and then every `intervalMs` (or on every {@link Changes.notify}). Rejects with an
 * error naming `what` after `timeoutMs`; an error thrown by `check` rejects at once.
 *
 * @example
 * const connection = await eventually("the runner's connection", () => endpoint.connection(runnerId));
 * await eventually("no request in flight", () => gateway.inFlight === 0);
 */
export async function eventually<T>(what: string, check: () => T | PromiseLike<T>, options: EventuallyOptions = {}): Promise<Exclude<T, NotYet>> {
  const { timeoutMs = 10_000, intervalMs = 10, changes, describe } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as Exclude<T, NotYet>;
    const left = deadline - Date.now();
    if (left <= 0) {
      const detail = describe === undefined ? "" : `; ${describe()}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await (changes === undefined ? sleep(Math.min(intervalMs, left)) : changes.next(left));
  }
}

/**
 * A change notice for waiters: whoever changes some state calls {@link notify}, and every
 * {@link eventually} waiting with this as its `changes` checks again.
 */
export class Changes {
  private readonly wakeups = new Set<() => void>();

  /** Wakes every current waiter. */
  notify(): void {
    for (const wake of [...this.wakeups]) wake();
  }

  /** Resolves at the next {@link notify}, or after `timeoutMs` if none comes. */
  next(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeups.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.wakeups.add(wake);
    });
  }
}

/**
 * Settles as `promise` does, or rejects with an error naming `what` after `timeoutMs`: a bound
 * on a wait whose outcome is a promise (a child process's exit, a line it prints).
 */
export async function within<T>(timeoutMs: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
