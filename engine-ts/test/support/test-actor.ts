/**
 * What the test actor of `rivet-runner-process.ts` shares with tests: the events it prints
 * and the bytes it serves.
 */

/**
 * What `rivet-runner-process.ts` prints, one JSON object per stdout line, so that a test can
 * follow Rivet's runner from outside its process.
 */
export type RunnerEvent =
  /** The runner received `ToClientInit` (first connect and every reconnect). */
  | { readonly event: "connected"; readonly runnerId: string }
  | { readonly event: "disconnected"; readonly code: number; readonly reason: string }
  /** `onActorStart` was called. */
  | { readonly event: "actorStart"; readonly actorId: string; readonly generation: number; readonly name: string; readonly key: string | null }
  /** `onActorStop` was called. */
  | { readonly event: "actorStop"; readonly actorId: string; readonly generation: number }
  /** The actor's WebSocket handler accepted a socket. */
  | { readonly event: "wsOpen"; readonly actorId: string; readonly path: string }
  /** A socket of the actor closed, from either side, with the code and reason the runner saw. */
  | { readonly event: "wsClose"; readonly actorId: string; readonly path: string; readonly code: number; readonly reason: string };

/** The environment the runner process reads its settings from. */
export interface RunnerProcessEnv {
  /** The engine's base URL, e.g. `http://127.0.0.1:6420`. */
  readonly ACTORWIRE_TEST_ENDPOINT: string;
  /** The runner name (pool) actors are created for. */
  readonly ACTORWIRE_TEST_RUNNER_NAME: string;
  /** Slots; default 20. */
  readonly ACTORWIRE_TEST_RUNNER_SLOTS?: string;
}

/** The bytes `GET /request/bytes?n=N` answers: byte `i` is `(i * 31 + 7) mod 256`. */
export function patternBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}
