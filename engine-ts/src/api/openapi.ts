import { z } from "zod";
import { API_ROUTES, API_TAGS, type ApiRoute } from "./definitions.js";
import { components, errorBody } from "./schemas.js";

/** Options of {@link openApiDocument}. */
export interface OpenApiOptions {
  /** The engine's version, reported as the document's `info.version`. */
  readonly version: string;
  /**
   * Whether the engine requires the admin token. When it does, every route that needs it lists
   * the bearer scheme (or the `x-rivet-token` header) under `security`; when it does not, no
   * route does, since none needs a token. The schemes are declared either way.
   */
  readonly auth: boolean;
}

const ref = (id: string) => `#/components/schemas/${id}`;

/** The component name of a registered schema; every body and response is registered. */
function refTo(schema: z.ZodType): { $ref: string } {
  const id = components.get(schema)?.id;
  if (id === undefined) throw new Error("API bodies and responses must be registered components (see schemas.ts)");
  return { $ref: ref(id) };
}

/**
 * Zod marks integers with the safe-integer range and tags each schema with `$schema` and `$id`;
 * in an OpenAPI document that is noise, so it is dropped.
 */
function tidy(json: Record<string, unknown>): Record<string, unknown> {
  delete json.$schema;
  delete json.$id;
  return json;
}

const dropSafeIntegerBounds = ({ jsonSchema }: { jsonSchema: Record<string, unknown> }): void => {
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
};

/**
 * Zod closes every object it writes (`additionalProperties: false`), since it drops fields it
 * does not know; the engine's answers may gain fields in later versions, so only objects that
 * refuse unknown fields (the request bodies, `z.strictObject`) stay closed.
 */
const openAnswers = (ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: Record<string, unknown> }): void => {
  dropSafeIntegerBounds(ctx);
  const def = ctx.zodSchema._zod.def;
  if (def.type === "object" && def.catchall === undefined && ctx.jsonSchema.additionalProperties === false) delete ctx.jsonSchema.additionalProperties;
};

/**
 * The `components/schemas` of the document. Request bodies are converted as zod reads them
 * (`io: "input"`: defaults shown, optional fields optional) and everything else as the engine
 * writes it (`io: "output"`).
 */
function componentSchemas(): Record<string, Record<string, unknown>> {
  const requests = new Set(
    Object.values(API_ROUTES as Readonly<Record<string, ApiRoute>>)
      .map((r) => (r.body === undefined ? undefined : components.get(r.body)?.id))
      .filter((id): id is string => id !== undefined),
  );
  const convert = (io: "input" | "output") =>
    z.toJSONSchema(components, { uri: ref, io, override: (io === "output" ? openAnswers : dropSafeIntegerBounds) as never }).schemas as Record<
      string,
      Record<string, unknown>
    >;
  const asRead = convert("input");
  const asWritten = convert("output");
  const out: Record<string, Record<string, unknown>> = {};
  for (const id of Object.keys(asWritten).sort()) {
    out[id] = tidy((requests.has(id) ? asRead[id] : asWritten[id]) as Record<string, unknown>);
  }
  return out;
}

/** One parameter per field of a path or query schema. */
function parameters(schema: z.ZodObject | undefined, where: "path" | "query"): Record<string, unknown>[] {
  if (schema === undefined) return [];
  const json = z.toJSONSchema(schema, { io: "input", override: dropSafeIntegerBounds as never }) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    const isArray = rest.type === "array";
    return {
      name,
      in: where,
      required: where === "path" || (json.required ?? []).includes(name),
      ...(typeof description === "string" ? { description } : {}),
      ...(typeof description === "string" && description.startsWith("Deprecated") ? { deprecated: true } : {}),
      schema: rest,
      ...(isArray ? { style: "form", explode: true } : {}),
    };
  });
}

const json = (schema: unknown) => ({ content: { "application/json": { schema } } });

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad request",
  401: "No token",
  403: "Wrong token",
  404: "Not found",
  413: "Body too large",
  501: "Not implemented",
};

function operation(operationId: string, route: ApiRoute, auth: boolean): Record<string, unknown> {
  const error = refTo(errorBody);
  const responses: Record<string, unknown> = { "200": { description: "OK", ...json(refTo(route.response)) } };
  const errors: Record<number, string> = { ...route.errors };
  if (route.auth && auth) {
    errors[401] = "The request carries no token (`auth.missing_token`).";
    errors[403] = "The token is not the engine's admin token (`auth.invalid_token`).";
  }
  for (const status of Object.keys(errors).map(Number).sort((a, b) => a - b)) {
    responses[String(status)] = { description: `${STATUS_TEXT[status] ?? "Error"}. ${errors[status]}`, ...json(error) };
  }
  responses["500"] = { description: "Internal error (`core.internal_error`); the engine logs the cause.", ...json(error) };
  return {
    operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description !== undefined ? { description: route.description } : {}),
    ...(route.auth && auth ? { security: [{ bearerAuth: [] }, { rivetToken: [] }] } : {}),
    parameters: [...parameters(route.params, "path"), ...parameters(route.query, "query")],
    ...(route.body !== undefined ? { requestBody: { required: true, ...json(refTo(route.body)) } } : {}),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document served at `/openapi.json`, generated from the route definitions the
 * router serves and checks requests with (definitions.ts), in the same snake_case shapes as
 * Rivet's public API.
 */
export function openApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [operationId, route] of Object.entries(API_ROUTES as Readonly<Record<string, ApiRoute>>)) {
    (paths[route.path] ??= {})[route.method] = operation(operationId, route, options.auth);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "actorwire engine",
      version: options.version,
      description: "The public HTTP API of the actorwire engine: namespaces, actors and runners, in the JSON shapes of Rivet's engine API.",
    },
    tags: Object.entries(API_TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "The engine's admin token (`--admin-token` or `ACTORWIRE_ADMIN_TOKEN`)." },
        rivetToken: { type: "apiKey", in: "header", name: "x-rivet-token", description: "The same token in Rivet's header." },
      },
    },
  };
}
