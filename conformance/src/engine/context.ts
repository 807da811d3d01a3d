/**
 * What an engine-suite case sees: the engine's public API, our client (`@actorwire/client`)
 * in each encoding, the runner process hosting the engine-level actors (which a case may kill
 * and replace), unique actor keys, and small checks whose failures read as verdicts.
 */
import { randomBytes } from "node:crypto";
import { isDeepStrictEqual, inspect } from "node:util";
import { type Client, createClient, type Encoding } from "@actorwire/client";
import { EngineApi } from "./engine-api.js";
import { type HostLine, RunnerHost, type RunnerHostConfig } from "./runner-host.js";

/** A case's verdict: thrown by checks, caught by the suite. */
export class CaseFailure extends Error {
  override readonly name = "CaseFailure";
}

/** The areas of the suite; each has its own summary line (`engine api: 6/6 required`). */
export const ENGINE_AREAS = ["api", "gateway", "kv", "lifecycle"] as const;
export type EngineArea = (typeof ENGINE_AREAS)[number];

/** One case of the engine suite. */
export interface EngineCase {
  readonly area: EngineArea;
  /** The name below `engine/<area>/`, e.g. `actors/get-or-create-idempotent`. */
  readonly name: string;
  readonly level: "required" | "recommended";
  /** One sentence: what the engine must do. */
  readonly description: string;
  /** Overall time limit (default 30 s); cases that wait for runner-lost detection take longer. */
  readonly timeoutMs?: number;
  run(ctx: EngineCaseContext): Promise<void>;
}

/** Settings a run passes down to its cases. */
export interface EngineSuiteSettings {
  readonly endpoint: string;
  readonly namespace: string;
  readonly runnerName: string;
  readonly token: string | undefined;
  /** Time for a new runner process to connect. */
  readonly startupTimeoutMs: number;
  /** How long a case waits for the engine to notice a SIGKILLed runner and move its actors. */
  readonly runnerLostTimeoutMs: number;
  readonly echoStderr: boolean;
}

/** Keys are unique per run, so runs against one long-lived engine never share actors. */
const runTag = randomBytes(3).toString("hex");
let keySeq = 0;

/** The world of one case. */
export class EngineCaseContext {
  readonly api: EngineApi;
  private readonly clients = new Map<Encoding, Client<any>>();
  /** Steps recorded for the failure report. */
  readonly log: string[] = [];

  constructor(
    readonly settings: EngineSuiteSettings,
    /** The current runner; {@link restartRunner} replaces it. */
    public runner: RunnerHost,
    private readonly onRunner: (host: RunnerHost) => void,
  ) {
    this.api = new EngineApi(settings.endpoint, settings.namespace, settings.token);
  }

  get endpoint(): string {
    return this.settings.endpoint;
  }

  get runnerName(): string {
    return this.settings.runnerName;
  }

  /** Our client in one encoding (default cbor), made once per case and disposed after it. */
  client(encoding: Encoding = "cbor"): Client<any> {
    let client = this.clients.get(encoding);
    if (client === undefined) {
      client = createClient({
        endpoint: this.settings.endpoint,
        namespace: this.settings.namespace,
        poolName: this.settings.runnerName,
        encoding,
        ...(this.settings.token !== undefined ? { token: this.settings.token } : {}),
        // The endpoint is the engine itself, never a user app with a client endpoint.
        disableMetadataLookup: true,
        connection: { queuedActionTimeoutMs: 10_000 },
      });
      this.clients.set(encoding, client);
    }
    return client;
  }

  /** A key no other case (or run) uses: `[<label>-<run>-<n>]`. */
  key(label: string): string[] {
    keySeq++;
    return [`${label}-${runTag}-${keySeq}`];
  }

  /** Records a step for the failure report. */
  step(text: string): void {
    this.log.push(text);
  }

  /** Fails the case with `message` unless `condition` holds. */
  check(condition: unknown, message: string): void {
    if (!condition) throw new CaseFailure(message);
  }

  /** Fails unless `actual` deep-equals `expected`. */
  equal(actual: unknown, expected: unknown, what: string): void {
    if (!isDeepStrictEqual(actual, expected)) {
      throw new CaseFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`);
    }
  }

  /** Awaits `promise` and fails unless it rejects; resolves with the error. */
  async rejects(promise: Promise<unknown>, what: string): Promise<unknown> {
    try {
      const value = await promise;
      throw new CaseFailure(`${what}: expected an error, got ${show(value)}`);
    } catch (error) {
      if (error instanceof CaseFailure) throw error;
      return error;
    }
  }

  /** Polls `probe` until it returns a value other than undefined; errors count as "not yet". */
  async until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, intervalMs = 50): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const value = await probe();
        if (value !== undefined) return value;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) {
        throw new CaseFailure(`timed out after ${timeoutMs} ms waiting for ${what}${last !== undefined ? ` (last error: ${describeError(last)})` : ""}`);
      }
      await sleep(intervalMs);
    }
  }

  /** Waits for a line the hosted actors print, on the current runner. */
  waitForLine(what: string, match: (line: HostLine) => boolean, options: { from?: number; timeoutMs?: number } = {}): Promise<HostLine> {
    return this.runner.waitFor(what, match, options);
  }

  /** SIGKILLs the current runner process (the whole group) and waits until it is gone. */
  async killRunner(): Promise<void> {
    this.step(`SIGKILL the runner (pid ${this.runner.pid})`);
    await this.runner.kill();
  }

  /** Starts a fresh runner process (a new runner key) and waits until it is connected. */
  async restartRunner(): Promise<RunnerHost> {
    if (this.runner.running) await this.runner.kill();
    const config: RunnerHostConfig = {
      endpoint: this.settings.endpoint,
      namespace: this.settings.namespace,
      runnerName: this.settings.runnerName,
      ...(this.settings.token !== undefined ? { token: this.settings.token } : {}),
      echoStderr: this.settings.echoStderr,
    };
    this.runner = await RunnerHost.start(config, this.settings.startupTimeoutMs);
    this.onRunner(this.runner);
    this.step(`started a new runner (pid ${this.runner.pid}, runner ${this.runner.runnerId ?? "?"})`);
    return this.runner;
  }

  /** Disposes the case's clients. */
  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.dispose().catch(() => {})));
    this.clients.clear();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A short rendering of a value for verdicts. */
export function show(value: unknown): string {
  const text = inspect(value, { depth: 6, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 200 });
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

/** `group.code: message` for the client's errors, the message for anything else. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const e = error as Error & { group?: string; code?: string };
    return typeof e.group === "string" && typeof e.code === "string" ? `${e.group}.${e.code}: ${e.message}` : `${e.name}: ${e.message}`;
  }
  return show(error);
}
