import { randomBytes, randomUUID } from "node:crypto";

/** Length of a runner ID, the same as Rivet's base-36 IDs. */
export const RUNNER_ID_LENGTH = 30;

/**
 * Mints a runner ID: 19 random bytes written in base 36 and left-padded to 30 characters,
 * which is the shape of Rivet's own IDs (36^30 > 2^152, so every value fits). Runners treat
 * the ID as an opaque string, so only its shape and uniqueness matter.
 */
export function mintRunnerId(): string {
  const n = BigInt(`0x${randomBytes(19).toString("hex")}`);
  return n.toString(36).padStart(RUNNER_ID_LENGTH, "0");
}

/**
 * A ray ID names one connection in close reasons and logs, so that a runner's report of a
 * close can be matched with the engine's log line.
 */
export function newRayId(): string {
  return randomUUID();
}
