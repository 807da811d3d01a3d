/**
 * Action groups and action input schemas, as rivetkit 2.3 has them.
 *
 * `actions` may nest: `{ calculator: { add } }` defines the action `calculator.add` (the name
 * clients call). `actionInputSchemas` gives a Standard Schema (zod, valibot, arktype, …) for an
 * action's argument tuple, either mirroring the groups (`{ calculator: { add: schema } }`) or
 * by dotted name (`{ "calculator.add": schema }`). Both are flattened once, when the actor is
 * defined, so that a call looks its action up in one map.
 */
import { ActorError } from "./errors.js";

/** The Standard Schema v1 interface (https://standardschema.dev), the part this runtime uses. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** What a Standard Schema's `validate` returns. */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardSchemaIssue[] };

/** One validation problem. */
export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** `actionInputSchemas`: schemas by action name, nested like the action groups or dotted. */
export interface ActionInputSchemas {
  readonly [name: string]: StandardSchemaV1 | ActionInputSchemas;
}

type AnyHandler = (...args: any[]) => any;

/** The actions of a definition flattened to dotted names, with their schemas. */
export interface FlatActions {
  readonly handlers: ReadonlyMap<string, AnyHandler>;
  readonly schemas: ReadonlyMap<string, StandardSchemaV1>;
}

const cache = new WeakMap<object, FlatActions>();
const EMPTY: FlatActions = { handlers: new Map(), schemas: new Map() };

/**
 * Flattens a definition's `actions` and `actionInputSchemas`; throws `config.invalid_value` for
 * an entry that is neither a handler nor a group, two definitions of one name, or a schema for
 * no action. Cached per config object.
 */
export function flattenActions(config: { readonly actions?: unknown; readonly actionInputSchemas?: unknown }): FlatActions {
  const actions = config.actions;
  if (actions === undefined || actions === null) return EMPTY;
  const cached = cache.get(config as object);
  if (cached !== undefined) return cached;
  const handlers = new Map<string, AnyHandler>();
  visit(actions, [], handlers);
  const schemas = new Map<string, StandardSchemaV1>();
  const given = config.actionInputSchemas;
  if (given !== undefined) {
    if (!isPlainObject(given)) throw invalid("`actionInputSchemas` must be an object");
    collectSchemas(given, [], schemas, handlers);
  }
  const flat = { handlers, schemas };
  cache.set(config as object, flat);
  return flat;
}

function visit(value: unknown, path: string[], out: Map<string, AnyHandler>): void {
  if (!isPlainObject(value)) {
    throw invalid(`${path.length === 0 ? "`actions`" : `action \`${path.join(".")}\``} must be an action handler or a group of them`);
  }
  for (const [segment, child] of Object.entries(value)) {
    const childPath = [...path, segment];
    if (typeof child === "function") {
      const name = childPath.join(".");
      if (out.has(name)) throw invalid(`two action definitions flatten to \`${name}\``);
      out.set(name, child as AnyHandler);
    } else {
      visit(child, childPath, out);
    }
  }
}

function collectSchemas(value: Record<string, unknown>, path: string[], out: Map<string, StandardSchemaV1>, handlers: ReadonlyMap<string, AnyHandler>): void {
  for (const [segment, child] of Object.entries(value)) {
    const name = [...path, segment].join(".");
    if (isStandardSchema(child)) {
      if (!handlers.has(name)) throw invalid(`actionInputSchemas has a schema for \`${name}\`, which is not an action`);
      if (out.has(name) && out.get(name) !== child) throw invalid(`action input schema \`${name}\` is given both nested and by dotted name`);
      out.set(name, child);
    } else if (isPlainObject(child)) {
      collectSchemas(child, [...path, segment], out, handlers);
    } else {
      throw invalid(`actionInputSchemas.${name} must be a Standard Schema (zod, valibot, …) or a group of them`);
    }
  }
}

/**
 * Validates an action's arguments against its schema, if it has one: the schema sees the
 * argument tuple and its output (if an array) becomes the arguments, so transforms and defaults
 * apply. A failure is `actor.validation_error` (400) with the issues, as in rivetkit.
 */
export async function validateActionArgs(schema: StandardSchemaV1 | undefined, name: string, args: readonly unknown[]): Promise<readonly unknown[]> {
  if (schema === undefined) return args;
  let result = schema["~standard"].validate([...args]);
  if (result instanceof Promise) result = await result;
  if (result.issues !== undefined) {
    const issues = result.issues.map((issue) => ({
      message: issue.message,
      ...(issue.path === undefined ? {} : { path: issue.path.map((p) => wireKey(typeof p === "object" && p !== null ? p.key : p)) }),
    }));
    const first = issues[0];
    const detail = first === undefined ? "" : `: ${first.path?.length ? `${first.path.join(".")}: ` : ""}${first.message}`;
    throw new ActorError("actor.validation_error", `Invalid action \`${name}\` arguments${detail}`, { metadata: { issues } });
  }
  return Array.isArray(result.value) ? result.value : [result.value];
}

/** A path key as the wire can carry it (symbols have no encoding). */
function wireKey(key: PropertyKey): string | number {
  return typeof key === "symbol" ? String(key) : key;
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  return typeof value === "object" && value !== null && "~standard" in value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function invalid(message: string): ActorError {
  return new ActorError("config.invalid_value", `actor(): ${message}`);
}
