/**
 * Group commit for KV requests. Every KV answer must be durable before it is sent, and with
 * SQLite in `synchronous=FULL` each commit costs an fsync — about as much as everything else
 * a request does together. Requests that arrive in the same turn of the event loop (from any
 * runner, for any actor) therefore run one after another inside ONE storage transaction, and
 * are all answered after its single commit.
 *
 * Each request still runs in a nested transaction of its own, so a request that fails undoes
 * only its own writes and the others commit; requests run in arrival order, so a read sees
 * every write that arrived before it. If the outer commit itself fails, every request of the
 * batch fails: none of them was acknowledged, and none of them is stored.
 *
 * With a store that can commit now and sync later (`transactionThenSync`), the batch is
 * answered once the disk has it, and the event loop does not wait for the disk meanwhile: the
 * next turn's batch commits while this one's fsync runs, and one fsync covers both. A request
 * that read an earlier batch's write is answered after that write is durable too, because
 * fsyncs finish in order and each covers every commit before it started.
 */
import type { Storage } from "../storage/storage.js";

interface Pending<T> {
  readonly run: () => T;
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
}

/** Runs submitted storage work in batches that share one commit. */
export class GroupCommit<T> {
  readonly #storage: Storage;
  readonly #maxBatch: number;
  #queue: Pending<T>[] = [];
  #scheduled = false;

  /** `maxBatch` bounds how long one commit holds the event loop. */
  constructor(storage: Storage, maxBatch = 512) {
    this.#storage = storage;
    this.#maxBatch = maxBatch;
  }

  /** Queues `run` (synchronous storage work) and resolves with its result once it is durable. */
  submit(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // setImmediate runs after the I/O callbacks of this turn, so every request already
        // read from any socket joins the batch.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    const batch = this.#queue.length <= this.#maxBatch ? this.#queue : this.#queue.slice(0, this.#maxBatch);
    this.#queue = batch === this.#queue ? [] : this.#queue.slice(this.#maxBatch);
    this.#scheduled = this.#queue.length > 0;
    if (this.#scheduled) setImmediate(() => this.#flush());
    const outcomes: ({ ok: true; value: T } | { ok: false; error: unknown })[] = [];
    const body = () => {
      for (const item of batch) {
        try {
          outcomes.push({ ok: true, value: this.#storage.transaction(() => item.run()) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    };
    let durable: Promise<void> | undefined;
    try {
      if (this.#storage.transactionThenSync !== undefined) durable = this.#storage.transactionThenSync(body).durable;
      else this.#storage.transaction(body);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    if (durable === undefined) settle(batch, outcomes);
    else
      durable.then(
        () => settle(batch, outcomes),
        (error: unknown) => {
          for (const item of batch) item.reject(error);
        },
      );
  }
}

function settle<T>(batch: readonly Pending<T>[], outcomes: readonly ({ ok: true; value: T } | { ok: false; error: unknown })[]): void {
  for (let i = 0; i < batch.length; i++) {
    const outcome = outcomes[i]!;
    if (outcome.ok) batch[i]!.resolve(outcome.value);
    else batch[i]!.reject(outcome.error);
  }
}
