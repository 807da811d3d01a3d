/** Machine-readable descriptions of every type of every published version (for docs and other languages). */
export { typeDescriptions } from "./gen/descriptions.js";
