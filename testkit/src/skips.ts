/**
 * Reasoned skips for shared behaviour suites, after hono's router suite
 * (`runTest({ skip: [{ reason, tests }] })`): one suite runs against several implementations,
 * and each caller lists the suite's tests its implementation does not support, with the
 * reason. Skipped tests stay visible: they are registered as skipped with the reason in their
 * title, never left out. No test framework is imported; the suite passes its own `it`.
 */

/** Tests a suite's caller skips, and why. */
export interface SkipGroup {
  /** Why these tests cannot pass on this implementation; it appears in each skipped test's title. */
  readonly reason: string;
  /** The tests' titles, exactly as the suite registers them. */
  readonly tests: readonly string[];
}

/** The part of a test framework's `it`/`test` a suite registers through (vitest's `it` fits). */
export interface TestRegistrar {
  (name: string, fn: () => unknown, timeout?: number): void;
  skip(name: string, fn: () => unknown, timeout?: number): void;
}

/** What {@link withSkips} returns: a registrar that honours the skips, and a check that every skip named a test. */
export interface SkippingRegistrar {
  /** Registers a test, or registers it as skipped (`<name> (skipped: <reason>)`) if a skip group names it. */
  (name: string, fn: () => unknown, timeout?: number): void;
  /**
   * Throws if a skip group names a test that was never registered, so that a renamed test
   * cannot leave a stale skip behind. Call it from a test registered after the others (test
   * frameworks run nested `describe` bodies later than the code that declares them).
   */
  checkAllUsed(): void;
}

/**
 * Wraps a suite's `it` so that the tests named in `skip` are registered as skipped with their
 * reason.
 *
 * @example
 * export function storageSuite(factory: Factory, { skip = [] }: { skip?: readonly SkipGroup[] } = {}) {
 *   const test = withSkips(it, skip);
 *   test("keeps data across reopen", () => { ... });
 *   it("skips only tests it has", () => test.checkAllUsed());
 * }
 */
export function withSkips(it: TestRegistrar, skip: readonly SkipGroup[] = []): SkippingRegistrar {
  const reasons = new Map<string, string>();
  for (const group of skip) for (const name of group.tests) reasons.set(name, group.reason);
  const used = new Set<string>();
  const test = (name: string, fn: () => unknown, timeout?: number): void => {
    const reason = reasons.get(name);
    if (reason === undefined) {
      it(name, fn, timeout);
      return;
    }
    used.add(name);
    it.skip(`${name} (skipped: ${reason})`, fn, timeout);
  };
  return Object.assign(test, {
    checkAllUsed(): void {
      const stale = [...reasons.keys()].filter((name) => !used.has(name));
      if (stale.length > 0) throw new Error(`skip list names tests this suite does not have: ${stale.map((n) => JSON.stringify(n)).join(", ")}`);
    },
  });
}
