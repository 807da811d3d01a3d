export { generateAll, type GenerateOptions, type OutputFile } from "./generate.js";
export { DEFAULT_RUNTIME } from "./compile-codec.js";
export { findFamilies, findSchemaFiles, hashSource, FAMILIES, type SchemaFile } from "./schema-files.js";
export { checkLock, readLock, renderLock, type SchemaLock } from "./lock.js";
export { minWireSize, assertNoZeroWidthItems } from "./wire-size.js";
export type { SchemaDescription, TypeDescription } from "./describe.js";
