/**
 * How much the fuzz suite tries. `npm test` runs it small (`ACTORWIRE_FUZZ_RUNS` unset: a few
 * hundred inputs per entry point); `npm run fuzz` runs 10^6 inputs per entry point, for before
 * a release. `ACTORWIRE_FUZZ_SEED` replays a failing run (its seed is in the failure).
 */
export const FUZZ_RUNS = Number(process.env.ACTORWIRE_FUZZ_RUNS ?? "300");
export const FUZZ_SEED = process.env.ACTORWIRE_FUZZ_SEED === undefined ? undefined : Number(process.env.ACTORWIRE_FUZZ_SEED);
/** How long one input may stay unanswered before the engine counts as hanging on it. */
export const ANSWER_TIMEOUT_MS = Number(process.env.ACTORWIRE_FUZZ_ANSWER_TIMEOUT_MS ?? "15000");
/** A test's budget: generous, since the long mode runs for hours. */
export const TEST_TIMEOUT_MS = Math.max(300_000, FUZZ_RUNS * 100);
