import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { JsonLines, repoRoot, type WaitOptions } from "@actorwire/testkit";
import type { RunnerEvent } from "./test-actor.js";

export interface RunnerProcessOptions {
  /** The engine's base URL. */
  readonly endpoint: string;
  /** The runner name actors are created for. */
  readonly name: string;
  readonly slots?: number;
}

type EventOf<E extends RunnerEvent["event"]> = Extract<RunnerEvent, { event: E }>;

/**
 * Rivet's runner hosting the test actor (`rivet-runner-process.ts`) in a child process, so
 * that it can be SIGKILLed. Its stdout lines are the runner's lifecycle callbacks.
 */
export class RunnerProcess {
  readonly events = new JsonLines<RunnerEvent>();
  /** The runner ID of its first connection. */
  runnerId = "";

  private constructor(private readonly child: ChildProcess) {
    this.events.follow(child.stdout as Readable);
  }

  /** Starts the runner and resolves once it is connected to the engine. */
  static async start(options: RunnerProcessOptions): Promise<RunnerProcess> {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--conditions=source", "engine-ts/test/support/rivet-runner-process.ts"],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "inherit"],
        env: {
          ...process.env,
          ACTORWIRE_TEST_ENDPOINT: options.endpoint,
          ACTORWIRE_TEST_RUNNER_NAME: options.name,
          ACTORWIRE_TEST_RUNNER_SLOTS: String(options.slots ?? 20),
        },
      },
    );
    const runner = new RunnerProcess(child);
    try {
      runner.runnerId = (await runner.next("connected")).runnerId;
    } catch (err) {
      await runner.kill();
      throw err;
    }
    return runner;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first event of a kind, from line `from` on, that matches. */
  next<E extends RunnerEvent["event"]>(event: E, match: (e: EventOf<E>) => boolean = () => true, options: WaitOptions = {}): Promise<EventOf<E>> {
    return this.events.wait(`runner event ${event}`, (e): e is EventOf<E> => e.event === event && match(e as EventOf<E>), options);
  }

  /** Waits for `onActorStart` of an actor (in a generation, if given). */
  actorStart(actorId: string, generation?: number, options: WaitOptions = {}): Promise<EventOf<"actorStart">> {
    return this.next("actorStart", (e) => e.actorId === actorId && (generation === undefined || e.generation === generation), options);
  }

  /** Waits for `onActorStop` of an actor (in a generation, if given). */
  actorStop(actorId: string, generation?: number, options: WaitOptions = {}): Promise<EventOf<"actorStop">> {
    return this.next("actorStop", (e) => e.actorId === actorId && (generation === undefined || e.generation === generation), options);
  }

  /** Every event of a kind so far. */
  all<E extends RunnerEvent["event"]>(event: E): EventOf<E>[] {
    return this.events.filter((e): e is EventOf<E> => e.event === event);
  }

  /** Kills the runner with SIGKILL and waits until it is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, "exit");
    this.child.kill("SIGKILL");
    await exited;
  }
}
