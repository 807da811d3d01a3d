/**
 * Generates the API reference (`src/api/`, git-ignored) with typedoc and
 * typedoc-plugin-markdown: one folder per package, one page per module (the package root, each
 * public subpath, each namespace), and an index listing the packages. Only the public entry
 * points of each package.json `exports` are read; declarations tagged `@internal` and private
 * members are left out. It prints how many public declarations have no doc comment (generated codecs
 * counted apart); `api/coverage.test.ts` is what fails on one, so the site still builds while
 * a comment is missing.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { renderApi } from "./api/render.js";

const docs = join(import.meta.dirname, "..");

async function main(): Promise<void> {
  const out = join(docs, "src/api");
  rmSync(out, { recursive: true, force: true });
  const result = await renderApi({ root: join(docs, ".."), out });
  const written = result.undocumented.filter((u) => !u.generated);
  const generated = result.undocumented.length - written.length;
  for (const u of written) console.warn(`undocumented: ${u.name} (${u.kind}) in ${u.file}`);
  console.log(
    `gen-api: ${result.pages} pages; ${written.length} exported declarations without a comment` +
      ` (plus ${generated} in generated codecs, schemas/src/gen/)`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
