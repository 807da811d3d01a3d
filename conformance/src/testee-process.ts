/**
 * One running testee: a child process started through the shell, spoken to in frames over
 * its stdin and stdout, one request at a time. Whatever the testee does (exits, hangs,
 * prints junk on stdout, answers the wrong request) becomes a {@link TesteeFailure} for the
 * request in flight; the process is then gone, and the caller decides whether to start a
 * new one.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { encodeFrame, FrameReader, FramingError } from "./framing.js";
import { TESTEE_PROTOCOL_VERSION, type CodecRequest, type HelloResponse } from "./testee-protocol.js";

/** Why a testee process can no longer be used. */
export class TesteeFailure extends Error {
  override readonly name = "TesteeFailure";
  constructor(
    /** `crashed`: it exited; `timeout`: it did not answer in time; `protocol`: it broke the framing or answered out of turn. */
    readonly kind: "crashed" | "timeout" | "protocol",
    message: string,
  ) {
    super(message);
  }
}

/** How to start a testee. */
export interface TesteeOptions {
  /** A shell command line. */
  command: string;
  cwd?: string;
  /** Milliseconds to wait for each answer. */
  timeoutMs: number;
  /** Milliseconds to wait for the answer to the hello (startup included). */
  startupTimeoutMs: number;
  /** Copy the testee's stderr to ours as it arrives (it is always kept for crash reports). */
  echoStderr?: boolean;
}

const STDERR_TAIL_BYTES = 2048;
const live = new Set<TesteeProcess>();

// A harness that exits for any reason takes its testees with it.
process.on("exit", () => {
  for (const testee of live) testee.kill();
});

interface Pending {
  /** The id the answer must carry; undefined for the hello. */
  id: number | undefined;
  resolve(message: unknown): void;
  reject(failure: TesteeFailure): void;
  timer: NodeJS.Timeout;
}

/** A started testee. */
export class TesteeProcess {
  private readonly child: ChildProcess;
  private readonly reader = new FrameReader();
  private pending: Pending | undefined;
  private failure: TesteeFailure | undefined;
  private stderrTail = Buffer.alloc(0);
  private readonly closed: Promise<void>;

  private constructor(private readonly options: TesteeOptions) {
    // Its own process group, so that killing it also kills what the shell started.
    this.child = spawn(options.command, {
      shell: true,
      cwd: options.cwd,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    live.add(this);
    this.closed = new Promise((resolve) => {
      this.child.once("close", (code, signal) => {
        live.delete(this);
        const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
        const leftover = this.reader.pending > 0 ? ` (leaving ${this.reader.pending} bytes on stdout that are not a whole frame)` : "";
        this.fail(new TesteeFailure("crashed", `the testee ${how}${leftover}${this.stderrSummary()}`));
        resolve();
      });
    });
    this.child.once("error", (error) => this.fail(new TesteeFailure("crashed", `the testee could not be started: ${error.message}`)));
    // A testee that exits while we write gives EPIPE; the close event reports it.
    this.child.stdin!.on("error", () => {});
    this.child.stdout!.on("data", (chunk: Buffer) => this.onStdout(chunk));
    this.child.stderr!.on("data", (chunk: Buffer) => {
      if (options.echoStderr) process.stderr.write(chunk);
      const joined = Buffer.concat([this.stderrTail, chunk]);
      this.stderrTail = joined.subarray(Math.max(0, joined.byteLength - STDERR_TAIL_BYTES));
    });
  }

  /** Starts the testee and exchanges the hello. */
  static async start(options: TesteeOptions): Promise<{ testee: TesteeProcess; hello: HelloResponse }> {
    const testee = new TesteeProcess(options);
    const answer = await testee.exchange({ op: "hello", protocol: TESTEE_PROTOCOL_VERSION }, undefined, options.startupTimeoutMs);
    const problem = helloProblem(answer);
    if (problem !== null) {
      const failure = new TesteeFailure("protocol", `bad hello answer (${problem}): ${JSON.stringify(answer).slice(0, 200)}`);
      testee.fail(failure);
      throw failure;
    }
    return { testee, hello: answer as HelloResponse };
  }

  /** Sends one request and resolves with the answer frame (any JSON carrying the request's id). */
  request(request: CodecRequest): Promise<unknown> {
    return this.exchange(request, request.id, this.options.timeoutMs);
  }

  /** Ends stdin, lets the testee exit on its own for a moment, then kills it. */
  async close(graceMs = 2000): Promise<void> {
    // A child that never started may never emit "close".
    if (this.child.pid === undefined) return;
    if (this.failure === undefined) this.child.stdin!.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.closed;
    clearTimeout(timer);
  }

  /** Kills the testee's whole process group at once. */
  kill(): void {
    if (this.child.pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }

  private exchange(message: object, id: number | undefined, timeoutMs: number): Promise<unknown> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.pending !== undefined) return Promise.reject(new Error("one request at a time"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const what = id === undefined ? "the hello" : `request ${id}`;
        this.fail(new TesteeFailure("timeout", `no answer to ${what} within ${timeoutMs} ms; the testee was killed${this.stderrSummary()}`));
      }, timeoutMs);
      this.pending = { id, resolve, reject, timer };
      this.child.stdin!.write(encodeFrame(message));
    });
  }

  private onStdout(chunk: Buffer): void {
    let frames: unknown[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      if (!(error instanceof FramingError)) throw error;
      this.fail(new TesteeFailure("protocol", `the testee broke the framing on stdout: ${error.message}`));
      return;
    }
    for (const frame of frames) {
      const pending = this.pending;
      if (pending === undefined) {
        this.fail(new TesteeFailure("protocol", `the testee wrote a frame nobody asked for: ${JSON.stringify(frame).slice(0, 200)}`));
        return;
      }
      if (pending.id !== undefined) {
        const id = (frame as { id?: unknown } | null)?.id;
        if (id !== pending.id) {
          this.fail(new TesteeFailure("protocol", `answer with id ${JSON.stringify(id)} while waiting for id ${pending.id}: ${JSON.stringify(frame).slice(0, 200)}`));
          return;
        }
      }
      this.pending = undefined;
      clearTimeout(pending.timer);
      pending.resolve(frame);
    }
  }

  /** Marks the testee unusable, rejects the request in flight and kills the process. */
  private fail(failure: TesteeFailure): void {
    if (this.failure === undefined) this.failure = failure;
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined) {
      clearTimeout(pending.timer);
      pending.reject(this.failure);
    }
    this.kill();
  }

  private stderrSummary(): string {
    const text = this.stderrTail.toString("utf8").trim();
    if (text === "") return "";
    const lines = text.split("\n").filter((line) => line.trim() !== "").slice(-6).join("\n    ");
    return `; last stderr:\n    ${lines}`;
  }
}

function helloProblem(answer: unknown): string | null {
  if (answer === null || typeof answer !== "object") return "not an object";
  const { name, version, supports } = answer as Partial<HelloResponse>;
  if (typeof name !== "string") return "name is not a string";
  if (typeof version !== "string") return "version is not a string";
  if (!Array.isArray(supports)) return "supports is not a list";
  for (const entry of supports) {
    if (typeof entry?.family !== "string" || !Array.isArray(entry.versions) || !entry.versions.every((v) => Number.isInteger(v))) {
      return "supports entries must be { family, versions: [integers] }";
    }
  }
  return null;
}
