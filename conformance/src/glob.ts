/**
 * Case-name patterns as connectrpc/conformance has them: names are `/`-separated paths, `*`
 * matches any run of characters inside one component, `**` as a whole component matches any
 * number of components (none included). Everything else, spaces and brackets too, is literal.
 */

/** A compiled pattern. */
export interface CaseGlob {
  /** The pattern as written. */
  readonly source: string;
  /** Whether the whole case name matches. */
  matches(name: string): boolean;
  /**
   * Whether some case whose name starts with these components could match. Used to avoid
   * loading vector files that no selected case comes from; it may say yes too often, never
   * too rarely.
   */
  mayMatchUnder(prefix: readonly string[]): boolean;
}

type Component = { kind: "any-depth" } | { kind: "one"; re: RegExp };

/** Compiles a pattern. */
export function compileGlob(source: string): CaseGlob {
  const parts: Component[] = source.split("/").map((part) =>
    part === "**"
      ? { kind: "any-depth" }
      : { kind: "one", re: new RegExp(`^${part.split("*").map(escapeRegExp).join(".*")}$`, "s") },
  );

  const match = (p: number, names: readonly string[], n: number, prefixOnly: boolean): boolean => {
    if (prefixOnly && n === names.length) return true;
    if (p === parts.length) return n === names.length;
    const part = parts[p]!;
    if (part.kind === "any-depth") {
      for (let k = n; k <= names.length; k++) if (match(p + 1, names, k, prefixOnly)) return true;
      return false;
    }
    return n < names.length && part.re.test(names[n]!) && match(p + 1, names, n + 1, prefixOnly);
  };

  return {
    source,
    matches: (name) => match(0, name.split("/"), 0, false),
    mayMatchUnder: (prefix) => match(0, prefix, 0, true),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
