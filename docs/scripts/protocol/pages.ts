/**
 * The protocol reference pages, as text: one per family and version, one diff per pair of
 * consecutive versions, and the overview. Pure functions of the descriptions, the vectors and
 * the conversion-loss table, so the tests can check the pages without writing them.
 */
import type { ConversionLoss } from "@actorwire/protocol";
import { DIFF_RULE, diffSchemas } from "./diff.js";
import { framingFor } from "./framing.js";
import { html, page, prose, table, typeLinks } from "./markdown.js";
import type { Family, NamedType, SchemaDescription } from "./model.js";
import { trace, type Span } from "./trace.js";
import type { VectorCase, VectorFile } from "./vectors.js";

/** Bytes shown per span before the rest is summarised. */
const SHOWN_BYTES = 16;
/** Longest message hex printed whole above an example's table. */
const SHOWN_HEX = 256;

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function spacedHex(hex: string): string {
  return hex.replace(/(..)(?!$)/g, "$1 ");
}

function kindLabel(t: NamedType): string {
  return t.type.kind === "struct" || t.type.kind === "union" || t.type.kind === "enum" ? t.type.kind : "alias";
}

/** The Markdown of one type's definition. */
function typeSection(t: NamedType, roots: ReadonlySet<string>): string {
  const out = [`### ${t.name} {#${t.name}}`, ""];
  out.push(`*${kindLabel(t)}*${roots.has(t.name) ? " · **message** (a root type: a whole frame or record is one of these)" : ""}`, "");
  if (t.comment !== "") out.push(prose(t.comment), "");
  const type = t.type;
  switch (type.kind) {
    case "struct":
      out.push(
        type.fields.length === 0
          ? "No fields."
          : table(
              ["#", "field", "type", "notes"],
              type.fields.map((f, i) => [String(i + 1), `\`${f.name}\``, typeLinks(f.type), prose(f.comment)]),
            ),
      );
      break;
    case "union":
      out.push(table(["tag", "variant", "notes"], type.variants.map((v) => [String(v.tag), typeLinks(v.type), prose(v.comment)])));
      break;
    case "enum":
      out.push(table(["value", "name", "notes"], type.values.map((v) => [String(v.value), `\`${v.name}\``, prose(v.comment)])));
      break;
    default:
      out.push(`Encoded as ${typeLinks(type)}.`);
  }
  return out.join("\n");
}

function spanRows(bytes: Uint8Array, spans: readonly Span[]): string {
  return spans
    .map((s) => {
      const n = s.end - s.start;
      let shown = "";
      for (const b of bytes.subarray(s.start, Math.min(s.end, s.start + SHOWN_BYTES))) shown += `${b.toString(16).padStart(2, "0")} `;
      const more = n > SHOWN_BYTES ? `… (${n} bytes)` : "";
      return `<tr><td>${s.start}</td><td><code>${shown.trim()}${more}</code></td><td><code>${html(s.path)}</code></td><td>${html(s.note)}</td></tr>`;
    })
    .join("\n");
}

/** One golden vector as annotated hex: the message, then one row per byte range. */
export function annotatedExample(schema: SchemaDescription, type: string, c: VectorCase): string {
  const bytes = fromHex(c.hex);
  const { spans } = trace(schema, type, bytes);
  const whole = c.hex.length <= SHOWN_HEX ? spacedHex(c.hex) : `${spacedHex(c.hex.slice(0, SHOWN_HEX))} … (${bytes.byteLength} bytes)`;
  return [
    `<div v-pre class="wire-example">`,
    `<p><code>${type}</code> · case <code>${html(c.name)}</code> · ${bytes.byteLength} bytes</p>`,
    `<pre><code>${whole}</code></pre>`,
    `<table><thead><tr><th>offset</th><th>bytes</th><th>field</th><th>meaning</th></tr></thead><tbody>`,
    spanRows(bytes, spans),
    `</tbody></table>`,
    `</div>`,
  ].join("\n");
}

/** The cases a version page shows for one root type: everything present, then one per top-level variant. */
function chosenCases(file: VectorFile): { main: VectorCase[]; variants: VectorCase[] } {
  const main = file.cases.filter((c) => c.name === "all-present" || c.name.startsWith("all-present [")).slice(0, 1);
  const prefix = `union ${file.type}=`;
  const variants = file.cases.filter((c) => c.name.startsWith(prefix) && !main.includes(c));
  return { main: main.length > 0 ? main : file.cases.slice(0, 1), variants };
}

/** The page of one family and version. */
export function versionPage(family: Family, schema: SchemaDescription, vectors: readonly VectorFile[]): string {
  const roots = new Set(schema.roots);
  const versions = family.versions.map((s) => s.version);
  const i = versions.indexOf(schema.version);
  const prev = versions[i - 1];
  const next = versions[i + 1];
  const nav = [
    prev === undefined ? "" : `[← v${prev}](./v${prev}.md) · [changes from v${prev}](./v${prev}-to-v${schema.version}.md)`,
    next === undefined ? "" : `[changes to v${next}](./v${schema.version}-to-v${next}.md) · [v${next} →](./v${next}.md)`,
  ].filter((s) => s !== "");
  const examples: string[] = [];
  for (const root of schema.roots) {
    const file = vectors.find((f) => f.type === root);
    if (file === undefined) continue;
    const { main, variants } = chosenCases(file);
    examples.push(`### ${root} examples {#example-${root}}`, "");
    for (const c of main) examples.push(annotatedExample(schema, root, c), "");
    if (variants.length > 0) {
      examples.push(`<details><summary>One example per variant of ${root} (${variants.length})</summary>`, "");
      for (const c of variants) examples.push(annotatedExample(schema, root, c), "");
      examples.push("</details>", "");
    }
  }
  const body = [
    `# ${family.name} v${schema.version}`,
    "",
    nav.join(" | "),
    "",
    `Generated from \`${schema.schema}\` (SHA-256 \`${schema.sha256.slice(0, 16)}…\`), which never changes once published. ${schema.types.length} types, in the order the schema defines them; BARE encodes struct fields in exactly this order, with no names, tags or padding on the wire.`,
    "",
    "## Framing",
    "",
    framingFor(family.name, schema.version),
    "",
    "## Messages",
    "",
    table(
      ["root type", "notes"],
      schema.roots.map((r) => [`[${r}](#${r})`, prose(schema.types.find((t) => t.name === r)?.comment ?? "")]),
    ),
    "",
    "## Types",
    "",
    ...schema.types.map((t) => `${typeSection(t, roots)}\n`),
    "## Wire examples",
    "",
    "Golden vectors from `fixtures/vectors`, the exact bytes the codecs write and the tests pin, decoded byte by byte. Each row is one range of bytes and the field of the decoded value it encodes (paths as in the [decoder](../../decoder.md)'s JSON). Lengths and counts are ULEB128 varints; fixed-width integers are little-endian.",
    "",
    ...(examples.length > 0 ? examples : ["No golden vectors exist for this version yet."]),
  ];
  return page({ order: schema.version }, body.join("\n"));
}

/** The diff page between two consecutive versions of a family. */
export function diffPage(family: Family, from: SchemaDescription, to: SchemaDescription, losses: readonly ConversionLoss[]): string {
  const diff = diffSchemas(from, to);
  const breaking = diff.filter((d) => d.compatibility === "breaking").length;
  const steps = losses.filter((l) => l.family === family.name && ((l.from === from.version && l.to === to.version) || (l.from === to.version && l.to === from.version)));
  const typeRef = (name: string, version: number): string => `[${name}](./v${version}.md#${name})`;
  const rows = diff.map((d) => [
    d.status === "removed" ? typeRef(d.name, from.version) : typeRef(d.name, to.version),
    d.status,
    d.compatibility === "breaking" ? "**breaking**" : "wire-compatible",
    d.changes.map((c) => `${prose(c.what)}${d.changes.length > 1 ? ` (${c.compatibility})` : ""}`).join("<br>"),
  ]);
  const body = [
    `# ${family.name} v${from.version} → v${to.version}`,
    "",
    `[v${from.version}](./v${from.version}.md) · [v${to.version}](./v${to.version}.md)`,
    "",
    diff.length === 0
      ? "No type changed."
      : `${diff.length} types changed: ${diff.length - breaking} wire-compatible, ${breaking} breaking. Peers agree on one version per connection (or record), so a breaking change here is handled by the converters, not by the wire.`,
    "",
    "## How changes are classified",
    "",
    DIFF_RULE,
    "",
    "## Changes",
    "",
    diff.length === 0 ? "None." : table(["type", "status", "compatibility", "what changed"], rows),
    "",
    "## Conversion losses",
    "",
    `What the converters lose when they move a value across this step, from \`CONVERSION_LOSSES\` in \`schemas/src/versioned/conversion-losses.ts\` (the tests check every entry still loses something and every other step is exact).`,
    "",
    steps.length === 0
      ? "None: every value converts across this step exactly, both ways."
      : table(
          ["type", "direction", "kind", "what happens"],
          steps.map((l) => [`\`${l.type}\``, `v${l.from} → v${l.to} (${l.from < l.to ? "upgrade" : "downgrade"})`, l.kind, prose(l.what)]),
        ),
  ];
  return page({ order: 100 + to.version }, body.join("\n"));
}

/** The overview page of the protocol section. */
export function indexPage(families: readonly Family[]): string {
  const rows = families.map((f) => {
    const versions = f.versions.map((s) => `[v${s.version}](./${f.name}/v${s.version}.md)`).join(" ");
    const diffs = f.versions.slice(1).map((s, i) => `[v${f.versions[i]?.version}→v${s.version}](./${f.name}/v${f.versions[i]?.version}-to-v${s.version}.md)`);
    const latest = f.versions[f.versions.length - 1] as SchemaDescription;
    return [`**${f.name}**`, versions, latest.roots.map((r) => `[${r}](./${f.name}/v${latest.version}.md#${r})`).join(", "), diffs.length === 0 ? "—" : diffs.join(" ")];
  });
  const body = [
    "# Protocol reference",
    "",
    "Every wire format actorwire speaks, generated from the schemas (`schemas/<family>/vN.bare`, through codegen's type descriptions) and the golden vectors, so these pages cannot disagree with the code.",
    "",
    "## Families and versions",
    "",
    table(["family", "versions", "messages (latest)", "changes"], rows),
    "",
    "## How versioning works",
    "",
    "- **Published schemas never change.** Each version is its own file, pinned by SHA-256 in `schemas/schemas.lock.json`; a change is a new version. The golden vectors of every published version are frozen, and the tests require today's codecs to write and read exactly those bytes.",
    "- **One version per conversation.** Peers settle on one version for a connection or a record and every message uses it. How the version is chosen, and whether it travels as a prefix, is each family's *framing*, described on its version pages.",
    "- **Converters.** `@actorwire/protocol` reads any published version and writes any published version, one step at a time. Every step is exact except the ones listed on each diff page under *Conversion losses*.",
    "- **Encoding.** Every message is a [BARE](https://baremessages.org/) value: integers as ULEB128 varints (`uint`, zig-zag for `int`) or little-endian fixed width, `str` and `data` as a varint length and the bytes, `optional` as a 0/1 byte then the value, lists and maps as a varint count then the items, unions as a varint tag then the variant, enums as a varint, struct fields in order with nothing between them.",
    "",
    "## Also",
    "",
    "- [Limits](./limits.md): every size and count limit, with the tests that check it.",
    "- [Error codes](./errors.md): every `group.code`, its meaning and HTTP status.",
    "- [Decoder](../decoder.md): paste a message and see it decoded.",
  ];
  return page({ order: 0 }, body.join("\n"));
}

/** The overview page of one family (its versions and their diffs). */
export function familyPage(family: Family): string {
  const latest = family.versions[family.versions.length - 1] as SchemaDescription;
  const body = [
    `# ${family.name} protocol`,
    "",
    table(
      ["version", "types", "messages", "changes from previous"],
      family.versions.map((s, i) => {
        const prev = family.versions[i - 1];
        return [`[v${s.version}](./v${s.version}.md)`, String(s.types.length), s.roots.join(", "), prev === undefined ? "—" : `[v${prev.version}→v${s.version}](./v${prev.version}-to-v${s.version}.md)`];
      }),
    ),
    "",
    `## Framing (v${latest.version})`,
    "",
    framingFor(family.name, latest.version),
  ];
  return page({ order: 0 }, body.join("\n"));
}
