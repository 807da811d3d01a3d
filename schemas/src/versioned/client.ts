import * as c1 from "../gen/client/v1.js";
import * as c2 from "../gen/client/v2.js";
import * as c3 from "../gen/client/v3.js";
import * as c4 from "../gen/client/v4.js";
import { ChainBuilder, type LayoutCodec, type VersionedCodec } from "./chain.js";

/**
 * Client protocol versions 1-4, read and written as v4. Every step only adds or removes
 * fields, and `ToServer` has not changed since v1.
 */
export const CLIENT_VERSIONS = [1, 2, 3, 4] as const;
const FAMILY = "client";

/** Steps whose layouts are identical pass values through unchanged. */
const same = <A, B>(x: A): B => x as unknown as B;

/** `ToClient` (actor to client, on a connection), read and written as v4. */
export const ToClient = ChainBuilder.start(FAMILY, "ToClient", 1, { encode: c1.encodeToClient, decode: c1.decodeToClient, write: c1.writeToClient })
  .next(
    2,
    { encode: c2.encodeToClient, decode: c2.decodeToClient, write: c2.writeToClient },
    (x): c2.ToClient =>
      x.body.tag === "Init"
        ? { body: { tag: "Init", val: { actorId: x.body.val.actorId, connectionId: x.body.val.connectionId } } }
        : same(x),
    // v1 clients expect a token; v2 actors no longer issue one, so it is empty.
    (x): c1.ToClient =>
      x.body.tag === "Init" ? { body: { tag: "Init", val: { ...x.body.val, connectionToken: "" } } } : same(x),
  )
  .next(3, { encode: c3.encodeToClient, decode: c3.decodeToClient, write: c3.writeToClient }, same<c2.ToClient, c3.ToClient>, same<c3.ToClient, c2.ToClient>)
  .next(
    4,
    { encode: c4.encodeToClient, decode: c4.decodeToClient, write: c4.writeToClient },
    (x): c4.ToClient => (x.body.tag === "Error" ? { body: { tag: "Error", val: { ...x.body.val, actor: null } } } : same(x)),
    (x): c3.ToClient => {
      if (x.body.tag !== "Error") return same(x);
      const { actor: _actor, ...rest } = x.body.val;
      return { body: { tag: "Error", val: rest } };
    },
  )
  .build(CLIENT_VERSIONS);

/**
 * A type whose layout never changed: every step passes the value through. `layouts` are
 * the codecs of consecutive versions starting at `first`, and `T` is the latest type.
 */
function unchanged<T>(type: string, first: number, layouts: readonly LayoutCodec<unknown>[]): VersionedCodec<T> {
  const [head, ...rest] = layouts;
  if (head === undefined) throw new Error(`${type}: no layouts`);
  let chain = ChainBuilder.start(FAMILY, type, first, head);
  rest.forEach((layout, i) => {
    chain = chain.next(first + i + 1, layout, same, same);
  });
  return chain.build(CLIENT_VERSIONS) as VersionedCodec<T>;
}

/** `ToServer` (client to actor, on a connection): one layout in every version. */
export const ToServer = unchanged<c4.ToServer>("ToServer", 1, [
  { encode: c1.encodeToServer, decode: c1.decodeToServer, write: c1.writeToServer },
  { encode: c2.encodeToServer, decode: c2.decodeToServer, write: c2.writeToServer },
  { encode: c3.encodeToServer, decode: c3.decodeToServer, write: c3.writeToServer },
  { encode: c4.encodeToServer, decode: c4.decodeToServer, write: c4.writeToServer },
] as LayoutCodec<unknown>[]);

/** `HttpActionRequest` (body of `POST /action/:name`): one layout in every version. */
export const HttpActionRequest = unchanged<c4.HttpActionRequest>("HttpActionRequest", 1, [
  { encode: c1.encodeHttpActionRequest, decode: c1.decodeHttpActionRequest, write: c1.writeHttpActionRequest },
  { encode: c2.encodeHttpActionRequest, decode: c2.decodeHttpActionRequest, write: c2.writeHttpActionRequest },
  { encode: c3.encodeHttpActionRequest, decode: c3.decodeHttpActionRequest, write: c3.writeHttpActionRequest },
  { encode: c4.encodeHttpActionRequest, decode: c4.decodeHttpActionRequest, write: c4.writeHttpActionRequest },
] as LayoutCodec<unknown>[]);

/** `HttpActionResponse` (answer to `POST /action/:name`): one layout in every version. */
export const HttpActionResponse = unchanged<c4.HttpActionResponse>("HttpActionResponse", 1, [
  { encode: c1.encodeHttpActionResponse, decode: c1.decodeHttpActionResponse, write: c1.writeHttpActionResponse },
  { encode: c2.encodeHttpActionResponse, decode: c2.decodeHttpActionResponse, write: c2.writeHttpActionResponse },
  { encode: c3.encodeHttpActionResponse, decode: c3.decodeHttpActionResponse, write: c3.writeHttpActionResponse },
  { encode: c4.encodeHttpActionResponse, decode: c4.decodeHttpActionResponse, write: c4.writeHttpActionResponse },
] as LayoutCodec<unknown>[]);

/** `HttpResolveResponse`: one layout in every version. */
export const HttpResolveResponse = unchanged<c4.HttpResolveResponse>("HttpResolveResponse", 1, [
  { encode: c1.encodeHttpResolveResponse, decode: c1.decodeHttpResolveResponse, write: c1.writeHttpResolveResponse },
  { encode: c2.encodeHttpResolveResponse, decode: c2.decodeHttpResolveResponse, write: c2.writeHttpResolveResponse },
  { encode: c3.encodeHttpResolveResponse, decode: c3.decodeHttpResolveResponse, write: c3.writeHttpResolveResponse },
  { encode: c4.encodeHttpResolveResponse, decode: c4.decodeHttpResolveResponse, write: c4.writeHttpResolveResponse },
] as LayoutCodec<unknown>[]);

/** `HttpResponseError` (non-2xx answers), read and written as v4. */
export const HttpResponseError = ChainBuilder.start(FAMILY, "HttpResponseError", 1, {
  encode: c1.encodeHttpResponseError,
  decode: c1.decodeHttpResponseError,
  write: c1.writeHttpResponseError,
})
  .next(2, { encode: c2.encodeHttpResponseError, decode: c2.decodeHttpResponseError, write: c2.writeHttpResponseError }, same, same)
  .next(3, { encode: c3.encodeHttpResponseError, decode: c3.decodeHttpResponseError, write: c3.writeHttpResponseError }, same, same)
  .next(
    4,
    { encode: c4.encodeHttpResponseError, decode: c4.decodeHttpResponseError, write: c4.writeHttpResponseError },
    (x): c4.HttpResponseError => ({ ...x, actor: null }),
    ({ actor: _actor, ...rest }): c3.HttpResponseError => rest,
  )
  .build(CLIENT_VERSIONS);

/** `HttpQueueSendRequest` (body of `POST /queue/:name`), new in v3. */
export const HttpQueueSendRequest = unchanged<c4.HttpQueueSendRequest>("HttpQueueSendRequest", 3, [
  { encode: c3.encodeHttpQueueSendRequest, decode: c3.decodeHttpQueueSendRequest, write: c3.writeHttpQueueSendRequest },
  { encode: c4.encodeHttpQueueSendRequest, decode: c4.decodeHttpQueueSendRequest, write: c4.writeHttpQueueSendRequest },
] as LayoutCodec<unknown>[]);

/** `HttpQueueSendResponse` (answer to `POST /queue/:name`), new in v3. */
export const HttpQueueSendResponse = unchanged<c4.HttpQueueSendResponse>("HttpQueueSendResponse", 3, [
  { encode: c3.encodeHttpQueueSendResponse, decode: c3.decodeHttpQueueSendResponse, write: c3.writeHttpQueueSendResponse },
  { encode: c4.encodeHttpQueueSendResponse, decode: c4.decodeHttpQueueSendResponse, write: c4.writeHttpQueueSendResponse },
] as LayoutCodec<unknown>[]);
