import * as c1 from "../gen/client/v1.js";
import * as c2 from "../gen/client/v2.js";
import * as c3 from "../gen/client/v3.js";
import * as c4 from "../gen/client/v4.js";
import { ChainBuilder } from "./chain.js";

/**
 * Client protocol versions 1-4, read and written as v4. Every step only adds or removes
 * fields, and `ToServer` has not changed since v1.
 */
export const CLIENT_VERSIONS = [1, 2, 3, 4] as const;
const FAMILY = "client";

/** Steps whose layouts are identical pass values through unchanged. */
const same = <A, B>(x: A): B => x as unknown as B;

/** `ToClient` (actor to client, on a connection), read and written as v4. */
export const ToClient = ChainBuilder.start(FAMILY, "ToClient", 1, { encode: c1.encodeToClient, decode: c1.decodeToClient })
  .next(
    2,
    { encode: c2.encodeToClient, decode: c2.decodeToClient },
    (x): c2.ToClient =>
      x.body.tag === "Init"
        ? { body: { tag: "Init", val: { actorId: x.body.val.actorId, connectionId: x.body.val.connectionId } } }
        : same(x),
    // v1 clients expect a token; v2 actors no longer issue one, so it is empty.
    (x): c1.ToClient =>
      x.body.tag === "Init" ? { body: { tag: "Init", val: { ...x.body.val, connectionToken: "" } } } : same(x),
  )
  .next(3, { encode: c3.encodeToClient, decode: c3.decodeToClient }, same<c2.ToClient, c3.ToClient>, same<c3.ToClient, c2.ToClient>)
  .next(
    4,
    { encode: c4.encodeToClient, decode: c4.decodeToClient },
    (x): c4.ToClient => (x.body.tag === "Error" ? { body: { tag: "Error", val: { ...x.body.val, actor: null } } } : same(x)),
    (x): c3.ToClient => {
      if (x.body.tag !== "Error") return same(x);
      const { actor: _actor, ...rest } = x.body.val;
      return { body: { tag: "Error", val: rest } };
    },
  )
  .build(CLIENT_VERSIONS);

/** `ToServer` (client to actor, on a connection): one layout in every version. */
export const ToServer = ChainBuilder.start(FAMILY, "ToServer", 1, { encode: c1.encodeToServer, decode: c1.decodeToServer })
  .next(2, { encode: c2.encodeToServer, decode: c2.decodeToServer }, same<c1.ToServer, c2.ToServer>, same<c2.ToServer, c1.ToServer>)
  .next(3, { encode: c3.encodeToServer, decode: c3.decodeToServer }, same<c2.ToServer, c3.ToServer>, same<c3.ToServer, c2.ToServer>)
  .next(4, { encode: c4.encodeToServer, decode: c4.decodeToServer }, same<c3.ToServer, c4.ToServer>, same<c4.ToServer, c3.ToServer>)
  .build(CLIENT_VERSIONS);

/** `HttpActionRequest` (body of `POST /action/:name`): one layout in every version. */
export const HttpActionRequest = ChainBuilder.start(FAMILY, "HttpActionRequest", 1, {
  encode: c1.encodeHttpActionRequest,
  decode: c1.decodeHttpActionRequest,
})
  .next(2, { encode: c2.encodeHttpActionRequest, decode: c2.decodeHttpActionRequest }, same, same)
  .next(3, { encode: c3.encodeHttpActionRequest, decode: c3.decodeHttpActionRequest }, same, same)
  .next(4, { encode: c4.encodeHttpActionRequest, decode: c4.decodeHttpActionRequest }, same, same)
  .build(CLIENT_VERSIONS);

/** `HttpActionResponse` (answer to `POST /action/:name`): one layout in every version. */
export const HttpActionResponse = ChainBuilder.start(FAMILY, "HttpActionResponse", 1, {
  encode: c1.encodeHttpActionResponse,
  decode: c1.decodeHttpActionResponse,
})
  .next(2, { encode: c2.encodeHttpActionResponse, decode: c2.decodeHttpActionResponse }, same, same)
  .next(3, { encode: c3.encodeHttpActionResponse, decode: c3.decodeHttpActionResponse }, same, same)
  .next(4, { encode: c4.encodeHttpActionResponse, decode: c4.decodeHttpActionResponse }, same, same)
  .build(CLIENT_VERSIONS);

/** `HttpResolveResponse`: one layout in every version. */
export const HttpResolveResponse = ChainBuilder.start(FAMILY, "HttpResolveResponse", 1, {
  encode: c1.encodeHttpResolveResponse,
  decode: c1.decodeHttpResolveResponse,
})
  .next(2, { encode: c2.encodeHttpResolveResponse, decode: c2.decodeHttpResolveResponse }, same, same)
  .next(3, { encode: c3.encodeHttpResolveResponse, decode: c3.decodeHttpResolveResponse }, same, same)
  .next(4, { encode: c4.encodeHttpResolveResponse, decode: c4.decodeHttpResolveResponse }, same, same)
  .build(CLIENT_VERSIONS);

/** `HttpResponseError` (non-2xx answers), read and written as v4. */
export const HttpResponseError = ChainBuilder.start(FAMILY, "HttpResponseError", 1, {
  encode: c1.encodeHttpResponseError,
  decode: c1.decodeHttpResponseError,
})
  .next(2, { encode: c2.encodeHttpResponseError, decode: c2.decodeHttpResponseError }, same, same)
  .next(3, { encode: c3.encodeHttpResponseError, decode: c3.decodeHttpResponseError }, same, same)
  .next(
    4,
    { encode: c4.encodeHttpResponseError, decode: c4.decodeHttpResponseError },
    (x): c4.HttpResponseError => ({ ...x, actor: null }),
    ({ actor: _actor, ...rest }): c3.HttpResponseError => rest,
  )
  .build(CLIENT_VERSIONS);

/** `HttpQueueSendRequest` (body of `POST /queue/:name`), new in v3. */
export const HttpQueueSendRequest = ChainBuilder.start(FAMILY, "HttpQueueSendRequest", 3, {
  encode: c3.encodeHttpQueueSendRequest,
  decode: c3.decodeHttpQueueSendRequest,
})
  .next(4, { encode: c4.encodeHttpQueueSendRequest, decode: c4.decodeHttpQueueSendRequest }, same, same)
  .build(CLIENT_VERSIONS);

/** `HttpQueueSendResponse` (answer to `POST /queue/:name`), new in v3. */
export const HttpQueueSendResponse = ChainBuilder.start(FAMILY, "HttpQueueSendResponse", 3, {
  encode: c3.encodeHttpQueueSendResponse,
  decode: c3.decodeHttpQueueSendResponse,
})
  .next(4, { encode: c4.encodeHttpQueueSendResponse, decode: c4.decodeHttpQueueSendResponse }, same, same)
  .build(CLIENT_VERSIONS);
