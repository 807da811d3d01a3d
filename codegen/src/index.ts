export { generateAll, type OutputFile } from "./generate.js";
export { findSchemaFiles, hashSource, FAMILIES, type SchemaFile } from "./schema-files.js";
export { checkLock, readLock, renderLock, type SchemaLock } from "./lock.js";
export { minWireSize, assertNoZeroWidthItems } from "./wire-size.js";
export type { SchemaDescription, TypeDescription } from "./describe.js";
