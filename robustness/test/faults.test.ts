/**
 * Faults under load: operations on many actors while the engine, the runner, or both are
 * SIGKILLed and restarted. Every operation has its own ID, recorded once in its actor's durable
 * ledger; a checker over the recorded history then proves that no acknowledged operation was
 * lost and none was applied twice (an operation whose call failed may or may not have been
 * applied, but at most once), and reports how long the actors took to answer again.
 *
 * Short by default (two kills of each kind); `ACTORWIRE_SOAK=1` runs ten of each.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FuzzStack } from "../src/stack.js";

const ROUNDS = process.env.ACTORWIRE_SOAK === "1" ? 10 : 2;
const ACTORS = 12;
const WORKERS = 6;
const CALL_TIMEOUT_MS = 20_000;

type Outcome = "acked" | "unknown";

/** Everything the workload saw: per actor, each operation it sent and how its call ended. */
class History {
  readonly ops = new Map<string, Map<string, Outcome>>();
  /** Time of every acknowledged call, to measure how long answers stopped after a kill. */
  readonly ackTimes: number[] = [];

  record(actor: string, opId: string, outcome: Outcome): void {
    let byOp = this.ops.get(actor);
    if (byOp === undefined) this.ops.set(actor, (byOp = new Map()));
    byOp.set(opId, outcome);
    if (outcome === "acked") this.ackTimes.push(Date.now());
  }

  /** The problems found by comparing what was acknowledged with what each ledger holds. */
  check(ledgers: ReadonlyMap<string, readonly string[]>): string[] {
    const problems: string[] = [];
    for (const [actor, byOp] of this.ops) {
      const applied = new Map<string, number>();
      for (const op of ledgers.get(actor) ?? []) applied.set(op, (applied.get(op) ?? 0) + 1);
      for (const [op, outcome] of byOp) {
        const times = applied.get(op) ?? 0;
        if (outcome === "acked" && times === 0) problems.push(`${actor}: acknowledged ${op} was lost`);
        if (times > 1) problems.push(`${actor}: ${op} was applied ${times} times`);
      }
      for (const op of applied.keys()) if (!byOp.has(op)) problems.push(`${actor}: ${op} was applied but never sent`);
    }
    return problems;
  }

  /** The first acknowledgement after `t`, in ms after it. */
  answeredAgainAfter(t: number): number | undefined {
    const next = this.ackTimes.filter((a) => a > t).sort((a, b) => a - b)[0];
    return next === undefined ? undefined : next - t;
  }
}

let stack: FuzzStack;

beforeAll(async () => {
  stack = await FuzzStack.start({ runnerLostThresholdMs: 1_500 });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** Runs the workload until `stop` is set: each worker applies new operations to random actors. */
function workload(history: History, tag: string, stop: { done: boolean }): Promise<void> {
  const client = stack.client();
  let next = 0;
  return Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      while (!stop.done) {
        const actor = `${tag}-${(w * 7 + next) % ACTORS}`;
        const opId = `${tag}-w${w}-${next++}`;
        try {
          await client.ledger.getOrCreate([actor]).action({ name: "apply", args: [opId], timeout: CALL_TIMEOUT_MS });
          history.record(actor, opId, "acked");
        } catch {
          history.record(actor, opId, "unknown");
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }),
  ).then(() => client.dispose());
}

async function ledgers(history: History): Promise<Map<string, string[]>> {
  const client = stack.client();
  const out = new Map<string, string[]>();
  for (const actor of history.ops.keys()) {
    out.set(actor, (await client.ledger.getOrCreate([actor]).action({ name: "ops", args: [], timeout: 60_000 })) as string[]);
  }
  await client.dispose();
  return out;
}

const scenarios = {
  engine: async () => {
    await stack.engine.kill();
    await new Promise((r) => setTimeout(r, 300));
    await stack.engine.restart();
  },
  runner: async () => {
    await stack.killRunner();
    stack.startRunner();
  },
  both: async () => {
    await Promise.all([stack.engine.kill(), stack.killRunner()]);
    await stack.engine.restart();
    stack.startRunner();
  },
} as const;

describe("faults under load", () => {
  for (const [kind, fault] of Object.entries(scenarios)) {
    it(`loses and duplicates no acknowledged operation when the ${kind === "both" ? "engine and the runner are" : `${kind} is`} SIGKILLed ${ROUNDS} times`, async () => {
      const history = new History();
      const stop = { done: false };
      const running = workload(history, `faults-${kind}`, stop);
      const recoveries: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        await new Promise((r) => setTimeout(r, 1_500));
        const killedAt = Date.now();
        await fault();
        // Answers that were already on their way when the kill began do not count: recovery is
        // the first answer after the fault was done (processes killed and started again),
        // measured from the kill. Wait for it before the next kill.
        const faultDone = Date.now();
        const deadline = faultDone + 60_000;
        while (history.answeredAgainAfter(faultDone) === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        const recovery = history.answeredAgainAfter(faultDone);
        expect(recovery, `no answer within 60 s of the ${kind} kill in round ${round}`).toBeDefined();
        recoveries.push((recovery as number) + (faultDone - killedAt));
      }
      await new Promise((r) => setTimeout(r, 1_000));
      stop.done = true;
      await running;
      const acked = [...history.ops.values()].reduce((n, m) => n + [...m.values()].filter((o) => o === "acked").length, 0);
      const unknown = [...history.ops.values()].reduce((n, m) => n + [...m.values()].filter((o) => o === "unknown").length, 0);
      console.log(`faults (${kind}): ${acked} acknowledged, ${unknown} failed calls; answers again after ${recoveries.map((ms) => `${ms} ms`).join(", ")}`);
      expect(acked).toBeGreaterThan(ROUNDS * 10);
      expect(history.check(await ledgers(history))).toEqual([]);
    }, 300_000 + ROUNDS * 60_000);
  }
});

describe("the history checker", () => {
  it("finds a lost acknowledged operation, a duplicate and an operation never sent", () => {
    const history = new History();
    history.record("a", "op1", "acked");
    history.record("a", "op2", "acked");
    history.record("a", "op3", "unknown");
    expect(history.check(new Map([["a", ["op1", "op2"]]]))).toEqual([]);
    expect(history.check(new Map([["a", ["op1"]]]))).toEqual(["a: acknowledged op2 was lost"]);
    expect(history.check(new Map([["a", ["op1", "op2", "op2", "op3"]]]))).toEqual(["a: op2 was applied 2 times"]);
    expect(history.check(new Map([["a", ["op1", "op2", "op9"]]]))).toEqual(["a: op9 was applied but never sent"]);
  });
});
