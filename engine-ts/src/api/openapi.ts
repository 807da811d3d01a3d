/**
 * The OpenAPI document served at `/openapi.json`. It describes the routes this engine serves
 * today, in the same snake_case shapes as Rivet's public API.
 */
export function openApiDocument(version: string): Record<string, unknown> {
  const error = { $ref: "#/components/schemas/Error" };
  const ns = { name: "namespace", in: "query", required: false, schema: { type: "string", default: "default" } };
  const actorId = { name: "actor_id", in: "path", required: true, schema: { type: "string" } };
  const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
  const errors = { "400": { description: "Invalid request", ...json(error) }, "404": { description: "Not found", ...json(error) } };
  const createBody = {
    type: "object",
    additionalProperties: false,
    required: ["name", "runner_name_selector"],
    properties: {
      name: { type: "string", maxLength: 64 },
      key: { type: ["string", "null"], maxLength: 1024 },
      input: { type: ["string", "null"], description: "base64, at most 4 MiB decoded" },
      runner_name_selector: { type: "string" },
      crash_policy: { type: "string", enum: ["restart", "sleep", "destroy"], default: "destroy" },
      datacenter: { type: "string" },
    },
  };
  return {
    openapi: "3.1.0",
    info: { title: "actorwire engine", version },
    paths: {
      "/metadata": { get: { summary: "Engine metadata", responses: { "200": { description: "Metadata" } } } },
      "/health": { get: { summary: "Liveness", responses: { "200": { description: "OK" } } } },
      "/namespaces": {
        get: { summary: "List namespaces", responses: { "200": { description: "Namespaces" } } },
        post: {
          summary: "Create a namespace",
          requestBody: json({
            type: "object",
            additionalProperties: false,
            required: ["name", "display_name"],
            properties: { name: { type: "string" }, display_name: { type: "string" } },
          }),
          responses: { "200": { description: "The namespace" }, ...errors },
        },
      },
      "/actors": {
        get: {
          summary: "List actors by name, name and key, or IDs",
          parameters: [
            ns,
            { name: "name", in: "query", schema: { type: "string" } },
            { name: "key", in: "query", schema: { type: "string" } },
            { name: "actor_id", in: "query", schema: { type: "array", items: { type: "string" } }, explode: true },
            { name: "actor_ids", in: "query", deprecated: true, schema: { type: "string" } },
            { name: "include_destroyed", in: "query", schema: { type: "boolean" } },
            { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000 } },
            { name: "cursor", in: "query", schema: { type: "string" } },
          ],
          responses: { "200": { description: "{actors, pagination}" }, ...errors },
        },
        post: { summary: "Create an actor", parameters: [ns], requestBody: json(createBody), responses: { "200": { description: "{actor}" }, ...errors } },
        put: {
          summary: "Get or create an actor by name and key",
          parameters: [ns],
          requestBody: json({ ...createBody, required: ["name", "key", "runner_name_selector"] }),
          responses: { "200": { description: "{actor, created}" }, ...errors },
        },
      },
      "/actors/{actor_id}": {
        delete: { summary: "Destroy an actor", parameters: [ns, actorId], responses: { "200": { description: "{}" }, ...errors } },
      },
      "/actors/{actor_id}/sleep": {
        post: { summary: "Put an actor to sleep", parameters: [ns, actorId], responses: { "200": { description: "{}" }, ...errors } },
      },
      "/runners": {
        get: {
          summary: "Connected runners",
          parameters: [ns, { name: "name", in: "query", schema: { type: "string" } }],
          responses: { "200": { description: "{runners, pagination}" } },
        },
      },
      "/runners/names": { get: { summary: "Names of connected runners", parameters: [ns], responses: { "200": { description: "{names}" } } } },
      "/actors/names": { get: { summary: "Actor names and metadata", parameters: [ns], responses: { "200": { description: "{names}" } } } },
      "/openapi.json": { get: { summary: "This document", responses: { "200": { description: "OpenAPI 3.1" } } } },
    },
    components: {
      schemas: {
        Error: {
          type: "object",
          required: ["group", "code", "message"],
          properties: { group: { type: "string" }, code: { type: "string" }, message: { type: "string" }, metadata: {} },
        },
      },
    },
  };
}
