/**
 * Small helpers the engine cases share: calling an action by name on an untyped handle, naming
 * an error by `group.code`, and reading an actor's sleeping and destroyed marks from the API.
 */
import type { ActorHandleRaw } from "@actorwire/client";
import { describeError, type EngineCaseContext } from "../context.js";

/** Calls action `name` with `args` on a handle of our client. */
export function call<T = unknown>(handle: Pick<ActorHandleRaw, "action">, name: string, ...args: unknown[]): Promise<T> {
  return handle.action<unknown[], T>({ name, args, timeout: 20_000 });
}

/** `group.code` of an actor error, or the error described when it is not one. */
export function actorError(error: unknown): string {
  const e = error as { group?: unknown; code?: unknown };
  if (typeof e === "object" && e !== null && typeof e.group === "string" && typeof e.code === "string") return `${e.group}.${e.code}`;
  return describeError(error);
}

/** Waits until the API shows the actor asleep (`sleep_ts` set) and resolves with it. */
export async function untilAsleep(ctx: EngineCaseContext, actorId: string, timeoutMs = 15_000): Promise<void> {
  await ctx.until(
    `actor ${actorId} to be asleep (sleep_ts set in GET /actors)`,
    async () => {
      const actor = await ctx.api.actor(actorId);
      return actor !== undefined && typeof actor.sleep_ts === "number" ? true : undefined;
    },
    timeoutMs,
    100,
  );
}

/** Bytes of a known pattern, as the raw actor's `/bytes` answers them. */
export function patternBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

/** The raw actor's checksum of a body. */
export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const byte of bytes) sum = (sum * 33 + byte) >>> 0;
  return sum;
}
