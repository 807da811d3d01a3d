/**
 * The idle rule and the sleep timer. An actor may sleep after `sleepTimeout` without activity,
 * where activity is: actions and other tracked work in progress, `keepAwake` promises, whatever
 * the surfaces report busy (requests, non-hibernatable connections, raw socket handlers), and a
 * `run` loop doing work (a `run` blocked on a queue receive does not count).
 *
 * One timer per awake actor, re-armed only when it fires: starting and ending an action costs a
 * counter change and a clock read, never a timer operation.
 */

/** What the idle tracker asks its actor. */
export interface IdleHost {
  /** Busy for reasons outside this tracker's counter (surfaces, run loop). */
  isBusyElsewhere(): boolean;
  /** Called once the actor has been idle for the whole timeout: ask the engine to sleep. */
  becameIdle(): void;
}

/** One actor's activity counter and sleep timer. */
export class IdleTracker {
  private active = 0;
  private lastActive = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly host: IdleHost,
    private readonly sleepTimeout: number,
  ) {}

  /** Whether work counted here is in progress. */
  get busy(): boolean {
    return this.active > 0;
  }

  /** Starts the timer (when the actor is ready). */
  start(): void {
    this.stopped = false;
    this.lastActive = performance.now();
    this.arm(this.sleepTimeout);
  }

  /** Stops the timer for good (shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A unit of work began. */
  begin(): void {
    this.active++;
  }

  /** A unit of work ended. */
  end(): void {
    this.active--;
    this.lastActive = performance.now();
  }

  /** Something outside the counter changed (a connection closed, `run` returned). */
  touch(): void {
    this.lastActive = performance.now();
  }

  private arm(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.check(), Math.max(1, Math.ceil(delay)));
  }

  private check(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const now = performance.now();
    if (this.active > 0 || this.host.isBusyElsewhere()) {
      this.lastActive = now;
      this.arm(this.sleepTimeout);
      return;
    }
    const idleFor = now - this.lastActive;
    if (idleFor >= this.sleepTimeout) {
      this.host.becameIdle();
      return;
    }
    this.arm(this.sleepTimeout - idleFor);
  }
}
