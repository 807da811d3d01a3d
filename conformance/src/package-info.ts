/**
 * This package's own package.json. The module runs from `src/` in the repository and from
 * `dist/src/` once built, so it looks upwards for the first package.json rather than at a
 * fixed relative path.
 */
import { readFileSync } from "node:fs";

/** The name and version of `@actorwire/conformance`. */
export const OWN_PACKAGE: { readonly name: string; readonly version: string } = findOwnPackage();

function findOwnPackage(): { name: string; version: string } {
  for (let dir = new URL(".", import.meta.url); ; ) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "@actorwire/conformance" && typeof pkg.version === "string") return { name: pkg.name, version: pkg.version };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const parent = new URL("..", dir);
    if (parent.href === dir.href) throw new Error(`no package.json of @actorwire/conformance above ${import.meta.url}`);
    dir = parent;
  }
}
