import { CONVERSION_LOSSES } from "@actorwire/protocol";
import { typeDescriptions } from "@actorwire/protocol/descriptions";
import { describe, expect, it } from "vitest";
import { discoverFamilies } from "./model.js";
import { diffPage, indexPage, versionPage } from "./pages.js";
import { readVectors } from "./vectors.js";

const families = discoverFamilies(typeDescriptions);

describe("the protocol pages", () => {
  it("cover every family and version the descriptions hold", () => {
    const index = indexPage(families);
    for (const f of families) for (const s of f.versions) expect(index).toContain(`(./${f.name}/v${s.version}.md)`);
  });

  for (const family of families) {
    for (const schema of family.versions) {
      it(`give every type of ${family.name} v${schema.version} its own anchored section, and every root type an annotated example`, () => {
        const text = versionPage(family, schema, readVectors(family.name, schema.version));
        for (const t of schema.types) expect(text).toContain(`### ${t.name} {#${t.name}}`);
        for (const root of schema.roots) expect(text).toContain(`{#example-${root}}`);
        // Every link to a type on the page points at a section the page has.
        for (const m of text.matchAll(/\]\(#([A-Za-z0-9_]+)\)/g)) expect(text).toContain(`{#${m[1]}}`);
      });
    }
  }

  it("list the converter's losses of a step on that step's diff page, and only there", () => {
    for (const loss of CONVERSION_LOSSES) {
      const family = families.find((f) => f.name === loss.family);
      const [lo, hi] = [Math.min(loss.from, loss.to), Math.max(loss.from, loss.to)];
      const from = family?.versions.find((s) => s.version === lo);
      const to = family?.versions.find((s) => s.version === hi);
      expect(from && to, loss.id).toBeTruthy();
      if (family === undefined || from === undefined || to === undefined) continue;
      expect(diffPage(family, from, to, CONVERSION_LOSSES)).toContain(loss.what.replace(/\|/g, "\\|"));
    }
  });
});
