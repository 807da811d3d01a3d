/**
 * The client protocol's messages in the three encodings rivetkit speaks (json, cbor, bare),
 * shared by the actor runtime (server side) and the client SDK.
 */
export type {
  ActorSpecifier,
  ClientEncoding,
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
export { clientMessages } from "./messages.js";
export { CLIENT_LATEST_VERSION } from "./codec.js";
export { decodeCbor, encodeCbor } from "./cbor.js";
export { CLIENT_ENCODINGS, contentTypeFor, parseEncoding } from "./encoding.js";
