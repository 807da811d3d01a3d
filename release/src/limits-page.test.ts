import { readFileSync } from "node:fs";
import { DEFAULT_MAX_MESSAGE_BYTES, LIMITS, limit } from "@actorwire/protocol";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_INCOMING_MESSAGE_SIZE as CLIENT_MAX_INCOMING, DEFAULT_MAX_INPUT_SIZE } from "../../client-ts/src/config.js";
import { MAX_BODY_BYTES } from "../../engine-ts/src/api/body.js";
import { ACTOR_LIMITS, MAX_NAMESPACE_DISPLAY_NAME } from "../../engine-ts/src/catalog/limits.js";
import { MAX_RUNNER_CONFIG_NAME_BYTES } from "../../engine-ts/src/catalog/runner-configs.js";
import { resolveGatewayConfig } from "../../engine-ts/src/gateway/config.js";
import { DEFAULT_KV_LIMITS } from "../../engine-ts/src/kv/limits.js";
import { DEFAULT_OPTIONS } from "../../runner-ts/src/actor/options.js";
import { DEFAULT_MAX_INCOMING_MESSAGE_SIZE, DEFAULT_MAX_OUTGOING_MESSAGE_SIZE } from "../../runner-ts/src/actor/surfaces-runtime.js";
import { KV_MAX_KEY_SIZE, KV_MAX_KEYS, KV_MAX_PUT_PAYLOAD_SIZE, KV_MAX_VALUE_SIZE, MAX_TUNNEL_PAYLOAD_BYTES } from "../../runner-ts/src/runner/index.js";
import { LIMITS_PAGE, renderLimitsPage } from "./limits-page.js";

describe("the limits page", () => {
  it("is what the table gives (run npm run limits after changing a limit)", () => {
    expect(readFileSync(LIMITS_PAGE, "utf8")).toBe(renderLimitsPage());
  });

  it("names each limit once", () => {
    const ids = LIMITS.map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(() => limit("no.such_limit")).toThrow("no limit named no.such_limit");
  });

  it("agrees with the constant every package enforces", () => {
    const gateway = resolveGatewayConfig();
    const enforced: Record<string, readonly number[]> = {
      "namespace.display_name": [MAX_NAMESPACE_DISPLAY_NAME],
      "actor.name": [ACTOR_LIMITS.maxNameLength],
      "actor.key": [ACTOR_LIMITS.maxKeyBytes],
      "actor.key_component": [ACTOR_LIMITS.maxKeyComponentBytes],
      "actor.input": [ACTOR_LIMITS.maxInputBytes],
      "api.body": [MAX_BODY_BYTES],
      "api.runner_config_name": [MAX_RUNNER_CONFIG_NAME_BYTES],
      "gateway.request_body": [gateway.maxRequestBodyBytes],
      "gateway.websocket_message": [gateway.maxWebSocketMessageBytes],
      "tunnel.payload": [MAX_TUNNEL_PAYLOAD_BYTES, gateway.maxResponsePayloadBytes],
      "kv.keys_per_request": [DEFAULT_KV_LIMITS.maxKeys, KV_MAX_KEYS],
      "kv.key": [DEFAULT_KV_LIMITS.maxKeySize, KV_MAX_KEY_SIZE],
      "kv.value": [DEFAULT_KV_LIMITS.maxValueSize, KV_MAX_VALUE_SIZE],
      "kv.put_payload": [DEFAULT_KV_LIMITS.maxPutPayloadSize, KV_MAX_PUT_PAYLOAD_SIZE],
      "actor.state": [DEFAULT_OPTIONS.maxStateBytes],
      "client.incoming_message": [DEFAULT_MAX_INCOMING_MESSAGE_SIZE, CLIENT_MAX_INCOMING],
      "client.outgoing_message": [DEFAULT_MAX_OUTGOING_MESSAGE_SIZE],
      "queue.messages": [DEFAULT_OPTIONS.maxQueueSize],
      "queue.message": [DEFAULT_OPTIONS.maxQueueMessageSize],
      "client.query_input": [DEFAULT_MAX_INPUT_SIZE],
      "codec.message": [DEFAULT_MAX_MESSAGE_BYTES],
    };
    expect(Object.keys(enforced).sort()).toEqual(LIMITS.map((l) => l.id).sort());
    for (const [id, values] of Object.entries(enforced)) {
      for (const value of values) expect(value, id).toBe(limit(id));
    }
  });
});
