import { z } from "zod";
import { DEFAULT_PAGE, MAX_PAGE } from "../catalog/catalog.js";
import { ACTOR_LIMITS, MAX_NAMESPACE_DISPLAY_NAME } from "../catalog/limits.js";
import { MAX_RUNNER_CONFIG_NAME_BYTES } from "../catalog/runner-configs.js";

/**
 * The JSON shapes of the engine's HTTP API as zod schemas, in Rivet's snake_case. The router
 * checks request bodies and query parameters with them, the handlers' return types are bound
 * to them, and `/openapi.json` is generated from them, so the three cannot drift apart.
 *
 * Limits the catalog enforces with their own error codes (name lengths, key bytes, base64) are
 * documented here with the same constants but not checked here: checking them in zod would
 * answer `api.invalid_body` where clients built for Rivet expect `actor.name_too_long` and the
 * like.
 */

/** The schemas that become `components/schemas` entries, by component name. */
export const components = z.registry<{ id: string }>();

/** Registers a schema under a component name, so the document refers to it by `$ref`. */
function component<T extends z.ZodType>(id: string, description: string, schema: T): T {
  const described = schema.describe(description);
  components.add(described, { id });
  return described;
}

/** Unix milliseconds. */
const timestamp = () => z.number().int().describe("Unix time in milliseconds.");
const optionalTimestamp = (what: string) => z.number().int().nullable().optional().describe(`${what} (Unix milliseconds), or null.`);

export const crashPolicy = component(
  "CrashPolicy",
  "What the engine does when the actor stops with an error: start it again, let it sleep until it is next called, or destroy it.",
  z.enum(["restart", "sleep", "destroy"]),
);

// ---- Shared response parts --------------------------------------------------------------

export const pagination = component(
  "Pagination",
  "Where the next page starts. `cursor` is null on the last page.",
  z.object({ cursor: z.string().nullable().describe("Pass as `cursor` to get the next page; null when there is none.") }),
);

export const errorBody = component(
  "Error",
  "Every error answers with this body and the error's HTTP status. `group` and `code` together name the error (e.g. `actor.not_found`).",
  z.object({
    group: z.string().describe("The error's group, e.g. `actor`, `namespace`, `api`, `auth`."),
    code: z.string().describe("The error's code within its group, e.g. `not_found`."),
    message: z.string().describe("A sentence for people; it may change between versions."),
    metadata: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe("Facts about this occurrence (the field, the limit, the size, ...), or null."),
  }),
);

// ---- Records ----------------------------------------------------------------------------

export const namespace = component(
  "Namespace",
  "A namespace: actors and runners live in one. The `default` namespace always exists.",
  z.object({
    namespace_id: z.string().describe("The namespace's ID."),
    name: z.string().describe("The namespace's name, used as `?namespace=` on the other routes."),
    display_name: z.string().describe("A name for people."),
    create_ts: timestamp(),
  }),
);

export const actor = component(
  "Actor",
  "An actor as the engine reports it. The `*_ts` fields trace its lifecycle; null means it has not happened (or no longer holds).",
  z.object({
    actor_id: z.string().describe("The actor's ID."),
    name: z.string().describe("The actor's name (its type, as the runner knows it)."),
    key: z.string().nullable().describe("The actor's key, or null for an actor made without one."),
    namespace_id: z.string().describe("The ID of the actor's namespace."),
    datacenter: z.string().describe("The datacenter label of the engine that holds the actor."),
    runner_name_selector: z.string().describe("The name of the runner pool the actor runs on."),
    crash_policy: crashPolicy,
    create_ts: timestamp(),
    start_ts: optionalTimestamp("When the actor first started"),
    pending_allocation_ts: optionalTimestamp("Since when the actor waits for a runner slot"),
    connectable_ts: optionalTimestamp("Since when the actor accepts requests"),
    sleep_ts: optionalTimestamp("When the actor went to sleep"),
    reschedule_ts: optionalTimestamp("When the engine next tries to start the actor again"),
    destroy_ts: optionalTimestamp("When the actor was destroyed"),
    error: z.unknown().optional().describe("Why the actor last failed to start or run, or null."),
  }),
);

export const runner = component(
  "Runner",
  "A runner connected to this engine.",
  z.object({
    runner_id: z.string().describe("The runner's ID."),
    namespace_id: z.string().describe("The ID of the runner's namespace."),
    datacenter: z.string().describe("The engine's datacenter label."),
    name: z.string().describe("The runner's pool name (what actors name in `runner_name_selector`)."),
    key: z.string().describe("The runner's key, unique within its pool."),
    version: z.number().int().describe("The runner's own version number."),
    total_slots: z.number().int().describe("How many actors the runner can host."),
    remaining_slots: z.number().int().describe("How many more actors it can host now."),
    protocol_version: z.number().int().describe("The runner protocol version the runner speaks."),
    create_ts: timestamp(),
    last_connected_ts: timestamp(),
    last_ping_ts: timestamp(),
    drain_ts: z.number().int().nullable().describe("Since when the runner drains (takes no new actors), or null."),
    stop_ts: z.number().int().nullable().describe("Always null: a runner that stopped is no longer listed."),
    metadata: z.unknown().describe("The metadata the runner sent when it connected (JSON), or null."),
  }),
);

export const envoy = component(
  "Envoy",
  "An envoy (rivetkit 2.3's native core) connected to this engine, in Rivet's fields.",
  z.object({
    envoy_key: z.string().describe("The envoy's key (`envoy_key` of its connect URL); rivetkit uses a fresh UUID per process."),
    namespace_id: z.string().describe("The ID of the envoy's namespace."),
    datacenter: z.string().describe("The engine's datacenter label."),
    pool_name: z.string().describe("The runner config (pool) the envoy serves."),
    version: z.number().int().describe("The app's version (`version` of its connect URL)."),
    slots: z.number().int().describe("Actors placed on the envoy; 0 until envoys host actors."),
    create_ts: timestamp(),
    stop_ts: z.number().int().nullable().describe("Always null: an envoy that disconnected is no longer listed."),
    last_ping_ts: timestamp(),
    last_connected_ts: z.number().int().nullable().describe("When the current connection was accepted (Unix ms)."),
    last_rtt: z.number().int().describe("Round-trip time of the last ping in milliseconds; 0 before the first pong."),
    metadata: z.unknown().describe("The metadata of the envoy's last `ToRivetMetadata` (JSON), or null."),
  }),
);

// ---- Request bodies ---------------------------------------------------------------------

export const createNamespaceRequest = component(
  "CreateNamespaceRequest",
  "The body of `POST /namespaces`.",
  z.strictObject({
    name: z
      .string()
      .describe("1-63 lowercase letters, digits and dashes, starting with a letter or digit (`namespace.invalid_name` otherwise); unique (`namespace.name_not_unique`)."),
    display_name: z
      .string()
      .meta({ maxLength: MAX_NAMESPACE_DISPLAY_NAME })
      .describe(`A name for people, at most ${MAX_NAMESPACE_DISPLAY_NAME} characters (\`namespace.invalid_display_name\` otherwise).`),
  }).meta({ examples: [{ name: "staging", display_name: "Staging" }] }),
);

const createActorFields = {
  name: z
    .string()
    .meta({ maxLength: ACTOR_LIMITS.maxNameLength })
    .describe(`The actor's name: 1 to ${ACTOR_LIMITS.maxNameLength} characters (\`actor.invalid_name\`, \`actor.name_too_long\`); the runner pool must serve it.`),
  key: z
    .string()
    .nullable()
    .optional()
    .describe(
      `The actor's key, at most ${ACTOR_LIMITS.maxKeyBytes} bytes of UTF-8 (\`actor.key_too_long\`) with each \`/\`-separated component at most ${ACTOR_LIMITS.maxKeyComponentBytes} bytes (\`actor.key_component_too_long\`). A live actor with the same name and key is \`actor.duplicate_key\`.`,
    ),
  input: z
    .string()
    .nullable()
    .optional()
    .describe(`Standard base64 (\`actor.invalid_input\` otherwise) of at most ${ACTOR_LIMITS.maxInputBytes} bytes decoded (\`actor.input_too_large\`), handed to the actor when it starts.`),
  runner_name_selector: z.string().describe("The runner pool the actor runs on; a pool no runner of the namespace has served yet is refused."),
  crash_policy: crashPolicy.nullable().default("destroy").describe("What happens when the actor crashes; `destroy` when left out or null."),
  datacenter: z.string().nullable().optional().describe("Accepted for compatibility and ignored: this engine is one datacenter."),
};

export const createActorRequest = component(
  "CreateActorRequest",
  "The body of `POST /actors`.",
  z.strictObject(createActorFields).meta({ examples: [{ name: "counter", key: "room-1", runner_name_selector: "default", crash_policy: "sleep" }] }),
);

/**
 * `PUT /actors` needs a key. It is checked after the fields' types, as a separate step, so a
 * body with a wrong type elsewhere still names that field first (as the engine always has).
 */
export const getOrCreateActorRequest = component(
  "GetOrCreateActorRequest",
  "The body of `PUT /actors`: the same fields as `POST /actors`, with `key` required (a missing or null key is refused).",
  z
    .strictObject(createActorFields)
    .check((ctx) => {
      if (ctx.value.key === null || ctx.value.key === undefined) {
        ctx.issues.push({ code: "custom", path: ["key"], message: 'Field "key" is required.', input: ctx.value });
      }
    })
    .meta({
      required: ["name", "key", "runner_name_selector"],
      examples: [{ name: "counter", key: "room-1", runner_name_selector: "default", crash_policy: "sleep" }],
    }),
);

const normalRunnerConfigFields = {
  drain_on_version_upgrade: z.boolean().describe("Drain the pool's runners of an older version when one of a newer version connects; `true` when left out."),
  actor_eviction_delay: z.number().int().describe("Accepted and stored for Rivet compatibility; this engine does not evict on a schedule. 0 when left out."),
  actor_eviction_period: z.number().int().describe("Accepted and stored for Rivet compatibility. 0 when left out."),
  actor_eviction_rate: z.number().describe("Accepted and stored for Rivet compatibility. 1.0 when left out."),
};

export const upsertRunnerConfigRequest = component(
  "UpsertRunnerConfigRequest",
  "The body of `PUT /runner-configs/{runner_name}`: the pool's config per datacenter. Only `normal` pools (runners connect to the engine) are served; a `serverless` one is refused with `runner_config.serverless_unsupported`.",
  z
    .strictObject({
      datacenters: z
        .record(
          z.string(),
          z.strictObject({
            ...z.object(normalRunnerConfigFields).partial().shape,
            normal: z.strictObject(normalRunnerConfigFields).partial().optional().describe("A pool whose runners connect to the engine themselves (its options may also sit here)."),
            serverless: z.unknown().optional().describe("A pool the engine would call at a URL: refused here."),
            metadata: z.unknown().optional().describe("Any JSON, stored and answered back."),
          }),
        )
        .describe("By datacenter name, as `GET /datacenters` lists them (`datacenter.not_found` for another)."),
    })
    .meta({ examples: [{ datacenters: { local: { drain_on_version_upgrade: true, normal: {} } } }] }),
);

// ---- Query parameters -------------------------------------------------------------------

const namespaceParam = z.string().default("default").meta({ examples: ["default"] }).describe("The namespace; `default` when left out.");

export const namespaceQuery = z.object({ namespace: namespaceParam });

export const listNamespacesQuery = z.object({ name: z.string().optional().describe("Only the namespace with this name.") });

const LIMIT_MESSAGE = "`limit` must be a positive integer.";

export const listActorsQuery = z.object({
  namespace: namespaceParam,
  name: z.string().optional().meta({ examples: ["counter"] }).describe("Actors with this name."),
  key: z.string().optional().describe("With `name`: the live actor with this name and key."),
  actor_id: z.array(z.string()).optional().describe("Actors with these IDs (repeat the parameter); not with `name` or `key`."),
  actor_ids: z.string().optional().describe("Deprecated: comma-separated actor IDs, as `actor_id`."),
  include_destroyed: z.string().optional().describe("`true` also lists destroyed actors; any other value does not."),
  // Number(), as the engine has always read it, then a positive integer; larger than the page
  // size is allowed and served as one full page.
  limit: z.coerce
    .number({ error: LIMIT_MESSAGE })
    .refine((n) => Number.isInteger(n) && n >= 1, { error: LIMIT_MESSAGE })
    .optional()
    .meta({ type: "integer", minimum: 1 })
    .describe(`Actors per page: ${DEFAULT_PAGE} when left out, at most ${MAX_PAGE} served.`),
  cursor: z.string().optional().describe("The `pagination.cursor` of the previous page."),
});

export const listRunnersQuery = z.object({ namespace: namespaceParam, name: z.string().optional().describe("Only runners of this pool.") });

export const listEnvoysQuery = z.object({
  namespace: namespaceParam,
  name: z.string().optional().describe("Only envoys of this pool."),
  envoy_key: z.string().optional().describe("Only the envoy with this key."),
});

export const listRunnerConfigsQuery = z.object({
  namespace: namespaceParam,
  runner_names: z.string().optional().describe("Only these pools: comma-separated names."),
});

export const runnerNamePath = z.object({
  runner_name: z
    .string()
    .meta({ maxLength: MAX_RUNNER_CONFIG_NAME_BYTES })
    .describe(`The pool's name: 1 to ${MAX_RUNNER_CONFIG_NAME_BYTES} bytes (\`runner_config.invalid_name\` otherwise).`),
});

export const actorIdPath = z.object({ actor_id: z.string().describe("The actor's ID (percent-encoded in the path).") });

// ---- Responses --------------------------------------------------------------------------

export const metadataResponse = component(
  "MetadataResponse",
  "What this engine is and which protocol versions it speaks.",
  z.object({
    runtime: z.literal("engine"),
    implementation: z.literal("actorwire"),
    version: z.string().describe("The engine's version."),
    runner_protocol_versions: z.array(z.number().int()).describe("Every runner protocol version the engine accepts."),
    runner_protocol_version: z.number().int().describe("The newest runner protocol version."),
    client_protocol_versions: z.array(z.number().int()).describe("Every client protocol version the gateway accepts."),
    client_protocol_version: z.number().int().describe("The newest client protocol version."),
    envoy_protocol_version: z.number().int().describe("The newest envoy protocol version (`/envoys/connect`), as Rivet's engine reports it."),
    envoy_protocol_versions: z.array(z.number().int()).describe("Every envoy protocol version `/envoys/connect` accepts."),
  }),
);

export const healthResponse = component(
  "HealthResponse",
  "The engine is up.",
  z.object({ status: z.literal("ok"), runtime: z.literal("engine"), version: z.string().describe("The engine's version.") }),
);

export const listNamespacesResponse = component(
  "ListNamespacesResponse",
  "The namespaces (all on one page).",
  z.object({ namespaces: z.array(namespace), pagination }),
);

export const createNamespaceResponse = component("CreateNamespaceResponse", "The namespace created.", z.object({ namespace }));

export const listActorsResponse = component(
  "ListActorsResponse",
  "One page of actors, in actor ID order.",
  z.object({ actors: z.array(actor), pagination }),
);

export const createActorResponse = component("CreateActorResponse", "The actor created.", z.object({ actor }));

export const getOrCreateActorResponse = component(
  "GetOrCreateActorResponse",
  "The live actor with this name and key, and whether this call created it.",
  z.object({ actor, created: z.boolean().describe("True when this call created the actor.") }),
);

const datacenterRunnerConfig = component(
  "DatacenterRunnerConfig",
  "A pool's config in one datacenter, with the defaults filled in.",
  z.object({
    normal: z.object(normalRunnerConfigFields),
    metadata: z.unknown().optional().describe("The metadata given with the config, when one was."),
    protocol_version: z.number().int().nullable().describe("Always null here: Rivet reports the protocol version of the pool's serverless endpoint."),
  }),
);

export const listRunnerConfigsResponse = component(
  "ListRunnerConfigsResponse",
  "The namespace's pools by name, each with its config per datacenter.",
  z.object({ runner_configs: z.record(z.string(), z.object({ datacenters: z.record(z.string(), datacenterRunnerConfig) })), pagination }),
);

export const upsertRunnerConfigResponse = component(
  "UpsertRunnerConfigResponse",
  "The config is stored.",
  z.object({ endpoint_config_changed: z.boolean().describe("Always true: Rivet reports whether a serverless endpoint changed; a stored normal config counts as changed.") }),
);

export const listDatacentersResponse = component(
  "ListDatacentersResponse",
  "The datacenters of this deployment: this engine is one.",
  z.object({
    datacenters: z.array(
      z.object({
        label: z.number().int().describe("The datacenter's number; 1 here."),
        name: z.string().describe("The name runner configs and actors use for it."),
        url: z.string().describe("Where clients reach it: this engine, as the request addressed it."),
      }),
    ),
    pagination,
  }),
);

export const emptyResponse = component("EmptyResponse", "Done; nothing to report.", z.object({}));

export const actorNamesResponse = component(
  "ActorNamesResponse",
  "The actor names runners of the namespace declared, with each name's metadata.",
  z.object({
    names: z.record(z.string(), z.object({ metadata: z.unknown().describe("The metadata the runner declared for the name (JSON).") })),
    pagination,
  }),
);

export const listRunnersResponse = component(
  "ListRunnersResponse",
  "The namespace's connected runners (all on one page).",
  z.object({ runners: z.array(runner), pagination }),
);

export const listEnvoysResponse = component(
  "ListEnvoysResponse",
  "The namespace's connected envoys, newest first (all on one page).",
  z.object({ envoys: z.array(envoy), pagination }),
);

export const runnerNamesResponse = component(
  "RunnerNamesResponse",
  "The pool names of the namespace's connected runners, sorted.",
  z.object({ names: z.array(z.string()), pagination }),
);

export const openApiResponse = component(
  "OpenApiDocument",
  "An OpenAPI 3.1 document describing this API.",
  z.record(z.string(), z.unknown()),
);
