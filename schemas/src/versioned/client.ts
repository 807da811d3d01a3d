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
  { encode: c1.encodeToServer, decode: c1.decodeToServer },
  { encode: c2.encodeToServer, decode: c2.decodeToServer },
  { encode: c3.encodeToServer, decode: c3.decodeToServer },
  { encode: c4.encodeToServer, decode: c4.decodeToServer },
] as LayoutCodec<unknown>[]);

/** `HttpActionRequest` (body of `POST /action/:name`): one layout in every version. */
export const HttpActionRequest = unchanged<c4.HttpActionRequest>("HttpActionRequest", 1, [
  { encode: c1.encodeHttpActionRequest, decode: c1.decodeHttpActionRequest },
  { encode: c2.encodeHttpActionRequest, decode: c2.decodeHttpActionRequest },
  { encode: c3.encodeHttpActionRequest, decode: c3.decodeHttpActionRequest },
  { encode: c4.encodeHttpActionRequest, decode: c4.decodeHttpActionRequest },
] as LayoutCodec<unknown>[]);

/** `HttpActionResponse` (answer to `POST /action/:name`): one layout in every version. */
export const HttpActionResponse = unchanged<c4.HttpActionResponse>("HttpActionResponse", 1, [
  { encode: c1.encodeHttpActionResponse, decode: c1.decodeHttpActionResponse },
  { encode: c2.encodeHttpActionResponse, decode: c2.decodeHttpActionResponse },
  { encode: c3.encodeHttpActionResponse, decode: c3.decodeHttpActionResponse },
  { encode: c4.encodeHttpActionResponse, decode: c4.decodeHttpActionResponse },
] as LayoutCodec<unknown>[]);

/** `HttpResolveResponse`: one layout in every version. */
export const HttpResolveResponse = unchanged<c4.HttpResolveResponse>("HttpResolveResponse", 1, [
  { encode: c1.encodeHttpResolveResponse, decode: c1.decodeHttpResolveResponse },
  { encode: c2.encodeHttpResolveResponse, decode: c2.decodeHttpResolveResponse },
  { encode: c3.encodeHttpResolveResponse, decode: c3.decodeHttpResolveResponse },
  { encode: c4.encodeHttpResolveResponse, decode: c4.decodeHttpResolveResponse },
] as LayoutCodec<unknown>[]);

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
export const HttpQueueSendRequest = unchanged<c4.HttpQueueSendRequest>("HttpQueueSendRequest", 3, [
  { encode: c3.encodeHttpQueueSendRequest, decode: c3.decodeHttpQueueSendRequest },
  { encode: c4.encodeHttpQueueSendRequest, decode: c4.decodeHttpQueueSendRequest },
] as LayoutCodec<unknown>[]);

/** `HttpQueueSendResponse` (answer to `POST /queue/:name`), new in v3. */
export const HttpQueueSendResponse = unchanged<c4.HttpQueueSendResponse>("HttpQueueSendResponse", 3, [
  { encode: c3.encodeHttpQueueSendResponse, decode: c3.decodeHttpQueueSendResponse },
  { encode: c4.encodeHttpQueueSendResponse, decode: c4.decodeHttpQueueSendResponse },
] as LayoutCodec<unknown>[]);
