import type * as c4 from "../gen/client/v4.js";
import * as versioned from "../versioned/client.js";
import { decodeCbor, encodeCbor } from "./cbor.js";
import { exactArrayBuffer } from "../bytes.js";
import { messageCodec } from "./codec.js";
import {
  actorSpecifier,
  actorSpecifierShape,
  bool,
  checkList,
  checkUint,
  invalid,
  list,
  malformed,
  millis,
  obj,
  str,
  uint,
} from "./shape.js";
import type {
  ActorSpecifier,
  ClientMessageCodec,
  HttpActionRequestBody,
  HttpActionResponseBody,
  HttpQueueSendRequestBody,
  HttpQueueSendResponseBody,
  HttpResolveResponseBody,
  HttpResponseErrorBody,
  ToClientMessage,
  ToServerMessage,
} from "./types.js";

/**
 * The client protocol's message types in the three encodings. Field order in json and cbor
 * follows rivetkit's zod schemas (its `src/common/client-protocol-zod.ts`), which is the
 * order its client writes them in.
 */

const cborBlob = (value: unknown): ArrayBuffer => exactArrayBuffer(encodeCbor(value));
const fromBlob = (blob: ArrayBuffer): unknown => decodeCbor(new Uint8Array(blob));

function bareActor(actor: ActorSpecifier | null | undefined): c4.ActorSpecifier | null {
  if (actor === null || actor === undefined) return null;
  return { actorId: actor.actorId, generation: checkUint(actor.generation, "actor.generation"), key: actor.key ?? null };
}

function fromBareActor(actor: c4.ActorSpecifier): ActorSpecifier {
  return { actorId: actor.actorId, generation: actor.generation, key: actor.key };
}

/** Reads a blob that must hold an array (action and event arguments). */
function argsFromBlob(blob: ArrayBuffer, what: string): unknown[] {
  const value = fromBlob(blob);
  if (!Array.isArray(value)) throw malformed(`${what} must be a CBOR array`);
  return value;
}

// ---- ToClient ------------------------------------------------------------------------------

type ErrorVal = Extract<ToClientMessage, { tag: "Error" }>["val"];

function errorTree(val: ErrorVal, user: (payload: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { group: val.group, code: val.code, message: val.message };
  if (val.metadata !== undefined) out.metadata = user(val.metadata);
  out.actionId = val.actionId === null ? null : checkUint(val.actionId, "actionId");
  if (val.actor !== null && val.actor !== undefined) out.actor = actorSpecifierShape(val.actor);
  return out;
}

function errorFromTree(v: Record<string, unknown>): ErrorVal {
  const out: ErrorVal = {
    group: str(v.group, "Error.group"),
    code: str(v.code, "Error.code"),
    message: str(v.message, "Error.message"),
    actionId: v.actionId === null || v.actionId === undefined ? null : uint(v.actionId, "Error.actionId"),
  };
  if (v.metadata !== undefined) out.metadata = v.metadata;
  if (v.actor !== undefined && v.actor !== null) out.actor = actorSpecifier(v.actor, "Error.actor");
  return out;
}

const ToClient = messageCodec<ToClientMessage, c4.ToClient>({
  type: "ToClient",
  versioned: versioned.ToClient,
  toTree(value, user) {
    switch (value.tag) {
      case "Init":
        return { body: { tag: "Init", val: { actorId: value.val.actorId, connectionId: value.val.connectionId } } };
      case "Error":
        return { body: { tag: "Error", val: errorTree(value.val, user) } };
      case "ActionResponse":
        return {
          body: { tag: "ActionResponse", val: { id: checkUint(value.val.id, "ActionResponse.id"), output: user(value.val.output) } },
        };
      case "Event":
        return {
          body: { tag: "Event", val: { name: value.val.name, args: user(checkList(value.val.args, "Event.args")) } },
        };
      default:
        throw invalid(`unknown ToClient tag ${JSON.stringify((value as { tag: unknown }).tag)}`);
    }
  },
  fromTree(tree) {
    const body = obj(obj(tree, "ToClient").body, "ToClient.body");
    const val = obj(body.val, "ToClient.body.val");
    switch (body.tag) {
      case "Init":
        return { tag: "Init", val: { actorId: str(val.actorId, "Init.actorId"), connectionId: str(val.connectionId, "Init.connectionId") } };
      case "Error":
        return { tag: "Error", val: errorFromTree(val) };
      case "ActionResponse":
        return { tag: "ActionResponse", val: { id: uint(val.id, "ActionResponse.id"), output: val.output } };
      case "Event":
        return { tag: "Event", val: { name: str(val.name, "Event.name"), args: list(val.args, "Event.args") } };
      default:
        throw malformed(`unknown ToClient tag ${JSON.stringify(body.tag)}`);
    }
  },
  toBare(value) {
    switch (value.tag) {
      case "Init":
        return { body: { tag: "Init", val: { actorId: value.val.actorId, connectionId: value.val.connectionId } } };
      case "Error": {
        const v = value.val;
        return {
          body: {
            tag: "Error",
            val: {
              group: v.group,
              code: v.code,
              message: v.message,
              metadata: v.metadata === undefined ? null : cborBlob(v.metadata),
              actionId: v.actionId === null ? null : checkUint(v.actionId, "actionId"),
              actor: bareActor(v.actor),
            },
          },
        };
      }
      case "ActionResponse":
        return {
          body: { tag: "ActionResponse", val: { id: checkUint(value.val.id, "ActionResponse.id"), output: cborBlob(value.val.output) } },
        };
      case "Event":
        return { body: { tag: "Event", val: { name: value.val.name, args: cborBlob(checkList(value.val.args, "Event.args")) } } };
      default:
        throw invalid(`unknown ToClient tag ${JSON.stringify((value as { tag: unknown }).tag)}`);
    }
  },
  fromBare({ body }) {
    switch (body.tag) {
      case "Init":
        return { tag: "Init", val: { actorId: body.val.actorId, connectionId: body.val.connectionId } };
      case "Error": {
        const v = body.val;
        const val: ErrorVal = { group: v.group, code: v.code, message: v.message, actionId: v.actionId };
        if (v.metadata !== null) val.metadata = fromBlob(v.metadata);
        if (v.actor !== null) val.actor = fromBareActor(v.actor);
        return { tag: "Error", val };
      }
      case "ActionResponse":
        return { tag: "ActionResponse", val: { id: body.val.id, output: fromBlob(body.val.output) } };
      case "Event":
        return { tag: "Event", val: { name: body.val.name, args: argsFromBlob(body.val.args, "Event.args") } };
    }
  },
});

// ---- ToServer ------------------------------------------------------------------------------

const ToServer = messageCodec<ToServerMessage, c4.ToServer>({
  type: "ToServer",
  versioned: versioned.ToServer,
  toTree(value, user) {
    switch (value.tag) {
      case "ActionRequest":
        return {
          body: {
            tag: "ActionRequest",
            val: {
              id: checkUint(value.val.id, "ActionRequest.id"),
              name: value.val.name,
              args: user(checkList(value.val.args, "ActionRequest.args")),
            },
          },
        };
      case "SubscriptionRequest":
        return {
          body: { tag: "SubscriptionRequest", val: { eventName: value.val.eventName, subscribe: value.val.subscribe } },
        };
      default:
        throw invalid(`unknown ToServer tag ${JSON.stringify((value as { tag: unknown }).tag)}`);
    }
  },
  fromTree(tree) {
    const body = obj(obj(tree, "ToServer").body, "ToServer.body");
    const val = obj(body.val, "ToServer.body.val");
    switch (body.tag) {
      case "ActionRequest":
        return {
          tag: "ActionRequest",
          val: { id: uint(val.id, "ActionRequest.id"), name: str(val.name, "ActionRequest.name"), args: list(val.args, "ActionRequest.args") },
        };
      case "SubscriptionRequest":
        return {
          tag: "SubscriptionRequest",
          val: {
            eventName: str(val.eventName, "SubscriptionRequest.eventName"),
            subscribe: bool(val.subscribe, "SubscriptionRequest.subscribe"),
          },
        };
      default:
        throw malformed(`unknown ToServer tag ${JSON.stringify(body.tag)}`);
    }
  },
  toBare(value) {
    switch (value.tag) {
      case "ActionRequest":
        return {
          body: {
            tag: "ActionRequest",
            val: {
              id: checkUint(value.val.id, "ActionRequest.id"),
              name: value.val.name,
              args: cborBlob(checkList(value.val.args, "ActionRequest.args")),
            },
          },
        };
      case "SubscriptionRequest":
        return {
          body: { tag: "SubscriptionRequest", val: { eventName: value.val.eventName, subscribe: value.val.subscribe } },
        };
      default:
        throw invalid(`unknown ToServer tag ${JSON.stringify((value as { tag: unknown }).tag)}`);
    }
  },
  fromBare({ body }) {
    switch (body.tag) {
      case "ActionRequest":
        return {
          tag: "ActionRequest",
          val: { id: body.val.id, name: body.val.name, args: argsFromBlob(body.val.args, "ActionRequest.args") },
        };
      case "SubscriptionRequest":
        return { tag: "SubscriptionRequest", val: { eventName: body.val.eventName, subscribe: body.val.subscribe } };
    }
  },
});

// ---- HTTP ----------------------------------------------------------------------------------

const HttpActionRequest = messageCodec<HttpActionRequestBody, c4.HttpActionRequest>({
  type: "HttpActionRequest",
  versioned: versioned.HttpActionRequest,
  toTree: (value, user) => ({ args: user(checkList(value.args, "HttpActionRequest.args")) }),
  fromTree: (tree) => ({ args: list(obj(tree, "HttpActionRequest").args, "HttpActionRequest.args") }),
  toBare: (value) => ({ args: cborBlob(checkList(value.args, "HttpActionRequest.args")) }),
  fromBare: (value) => ({ args: argsFromBlob(value.args, "HttpActionRequest.args") }),
});

const HttpActionResponse = messageCodec<HttpActionResponseBody, c4.HttpActionResponse>({
  type: "HttpActionResponse",
  versioned: versioned.HttpActionResponse,
  toTree: (value, user) => ({ output: user(value.output) }),
  fromTree: (tree) => ({ output: obj(tree, "HttpActionResponse").output }),
  toBare: (value) => ({ output: cborBlob(value.output) }),
  fromBare: (value) => ({ output: fromBlob(value.output) }),
});

const HttpResponseError = messageCodec<HttpResponseErrorBody, c4.HttpResponseError>({
  type: "HttpResponseError",
  versioned: versioned.HttpResponseError,
  toTree(value, user) {
    const out: Record<string, unknown> = { group: value.group, code: value.code, message: value.message };
    if (value.metadata !== undefined) out.metadata = user(value.metadata);
    if (value.actor !== null && value.actor !== undefined) out.actor = actorSpecifierShape(value.actor);
    return out;
  },
  fromTree(tree) {
    const v = obj(tree, "HttpResponseError");
    const out: HttpResponseErrorBody = {
      group: str(v.group, "HttpResponseError.group"),
      code: str(v.code, "HttpResponseError.code"),
      message: str(v.message, "HttpResponseError.message"),
    };
    if (v.metadata !== undefined) out.metadata = v.metadata;
    if (v.actor !== undefined && v.actor !== null) out.actor = actorSpecifier(v.actor, "HttpResponseError.actor");
    return out;
  },
  toBare: (value) => ({
    group: value.group,
    code: value.code,
    message: value.message,
    metadata: value.metadata === undefined ? null : cborBlob(value.metadata),
    actor: bareActor(value.actor),
  }),
  fromBare(v) {
    const out: HttpResponseErrorBody = { group: v.group, code: v.code, message: v.message };
    if (v.metadata !== null) out.metadata = fromBlob(v.metadata);
    if (v.actor !== null) out.actor = fromBareActor(v.actor);
    return out;
  },
});

function checkTimeout(timeout: number): bigint {
  if (!Number.isSafeInteger(timeout) || timeout < 0) throw invalid("HttpQueueSendRequest.timeout must be a non-negative integer of milliseconds");
  return BigInt(timeout);
}

const HttpQueueSendRequest = messageCodec<HttpQueueSendRequestBody, c4.HttpQueueSendRequest>({
  type: "HttpQueueSendRequest",
  versioned: versioned.HttpQueueSendRequest,
  toTree(value, user, encoding) {
    const out: Record<string, unknown> = { body: user(value.body) };
    if (value.name !== undefined) out.name = value.name;
    if (value.wait !== undefined) out.wait = value.wait;
    if (value.timeout !== undefined) out.timeout = value.timeout;
    // rivetkit's client sends `{body, name, wait, timeout}` with `timeout: undefined` when no
    // timeout was given, which cbor-x writes as the simple value undefined (f7). A value that
    // carries the key keeps it, so such a body is re-encoded byte for byte.
    else if (encoding === "cbor" && Object.hasOwn(value, "timeout")) out.timeout = undefined;
    return out;
  },
  fromTree(tree) {
    const v = obj(tree, "HttpQueueSendRequest");
    const out: HttpQueueSendRequestBody = { body: v.body };
    if (v.name !== undefined && v.name !== null) out.name = str(v.name, "HttpQueueSendRequest.name");
    if (v.wait !== undefined && v.wait !== null) out.wait = bool(v.wait, "HttpQueueSendRequest.wait");
    if (v.timeout !== undefined && v.timeout !== null) out.timeout = millis(v.timeout, "HttpQueueSendRequest.timeout");
    else if (Object.hasOwn(v, "timeout")) out.timeout = undefined;
    return out;
  },
  toBare: (value) => ({
    body: cborBlob(value.body),
    name: value.name ?? null,
    wait: value.wait ?? null,
    timeout: value.timeout === undefined ? null : checkTimeout(value.timeout),
  }),
  fromBare(v) {
    const out: HttpQueueSendRequestBody = { body: fromBlob(v.body) };
    if (v.name !== null) out.name = v.name;
    if (v.wait !== null) out.wait = v.wait;
    if (v.timeout !== null) {
      if (v.timeout > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed("HttpQueueSendRequest.timeout is too large");
      out.timeout = Number(v.timeout);
    }
    return out;
  },
});

function queueStatus(value: unknown): "completed" | "timedOut" {
  if (value !== "completed" && value !== "timedOut") {
    throw malformed(`HttpQueueSendResponse.status must be "completed" or "timedOut", got ${JSON.stringify(value)}`);
  }
  return value;
}

const HttpQueueSendResponse = messageCodec<HttpQueueSendResponseBody, c4.HttpQueueSendResponse>({
  type: "HttpQueueSendResponse",
  versioned: versioned.HttpQueueSendResponse,
  toTree(value, user) {
    const out: Record<string, unknown> = { status: value.status };
    if (value.response !== undefined) out.response = user(value.response);
    return out;
  },
  fromTree(tree) {
    const v = obj(tree, "HttpQueueSendResponse");
    const out: HttpQueueSendResponseBody = { status: queueStatus(v.status) };
    if (v.response !== undefined) out.response = v.response;
    return out;
  },
  toBare: (value) => ({
    status: value.status,
    response: value.response === undefined ? null : cborBlob(value.response),
  }),
  fromBare(v) {
    const out: HttpQueueSendResponseBody = { status: queueStatus(v.status) };
    if (v.response !== null) out.response = fromBlob(v.response);
    return out;
  },
});

const HttpResolveResponse = messageCodec<HttpResolveResponseBody, c4.HttpResolveResponse>({
  type: "HttpResolveResponse",
  versioned: versioned.HttpResolveResponse,
  toTree: (value) => ({ actorId: value.actorId }),
  fromTree: (tree) => ({ actorId: str(obj(tree, "HttpResolveResponse").actorId, "HttpResolveResponse.actorId") }),
  toBare: (value) => ({ actorId: value.actorId }),
  fromBare: (value) => ({ actorId: value.actorId }),
});

/** The client protocol's messages in json, cbor and bare, one codec per message type. */
export const clientMessages: {
  readonly ToClient: ClientMessageCodec<ToClientMessage>;
  readonly ToServer: ClientMessageCodec<ToServerMessage>;
  readonly HttpActionRequest: ClientMessageCodec<HttpActionRequestBody>;
  readonly HttpActionResponse: ClientMessageCodec<HttpActionResponseBody>;
  readonly HttpResponseError: ClientMessageCodec<HttpResponseErrorBody>;
  readonly HttpQueueSendRequest: ClientMessageCodec<HttpQueueSendRequestBody>;
  readonly HttpQueueSendResponse: ClientMessageCodec<HttpQueueSendResponseBody>;
  readonly HttpResolveResponse: ClientMessageCodec<HttpResolveResponseBody>;
} = {
  ToClient,
  ToServer,
  HttpActionRequest,
  HttpActionResponse,
  HttpResponseError,
  HttpQueueSendRequest,
  HttpQueueSendResponse,
  HttpResolveResponse,
};
