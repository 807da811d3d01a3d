/**
 * The two text formats for lists of case patterns: `@file` arguments of `--run` and `--skip`,
 * and the known-failing file. Both have one pattern per line, `#` starting a comment, blank
 * lines ignored; in the known-failing file the comment after a pattern is its reason.
 */
import { readFileSync } from "node:fs";
import { compileGlob, type CaseGlob } from "./glob.js";

/** One line of a known-failing file. */
export interface KnownFailingEntry {
  readonly glob: CaseGlob;
  /** The text after `#`, or "" when the line gives none. */
  readonly reason: string;
  /** Where the entry was written, as `file:line`. */
  readonly where: string;
}

interface Line {
  pattern: string;
  comment: string;
  number: number;
}

function patternLines(text: string): Line[] {
  const out: Line[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const hash = raw.indexOf("#");
    const pattern = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    const comment = hash === -1 ? "" : raw.slice(hash + 1).trim();
    if (pattern !== "") out.push({ pattern, comment, number: index + 1 });
  });
  return out;
}

/** Parses a known-failing file's text (`<glob> # reason` lines). */
export function parseKnownFailing(text: string, file: string): KnownFailingEntry[] {
  return patternLines(text).map(({ pattern, comment, number }) => ({
    glob: compileGlob(pattern),
    reason: comment,
    where: `${file}:${number}`,
  }));
}

/** Reads a known-failing file. */
export function readKnownFailing(file: string): KnownFailingEntry[] {
  return parseKnownFailing(readFileSync(file, "utf8"), file);
}

/** The patterns of one `--run`/`--skip` argument: the pattern itself, or every line of `@file`. */
export function patternsOfArgument(argument: string): CaseGlob[] {
  if (!argument.startsWith("@")) return [compileGlob(argument)];
  return patternLines(readFileSync(argument.slice(1), "utf8")).map((line) => compileGlob(line.pattern));
}
