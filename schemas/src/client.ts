/**
 * Client protocol (client <-> actor) codecs, one namespace per published version:
 * `client.v4.decodeToClient`, `client.v4.encodeHttpActionRequest`, and so on. In the `bare`
 * encoding each message also carries a 2-byte version prefix (`versioned.X.decodeWithEmbeddedVersion`).
 *
 * @packageDocumentation
 */
export * as v1 from "./gen/client/v1.js";
export * as v2 from "./gen/client/v2.js";
export * as v3 from "./gen/client/v3.js";
export * as v4 from "./gen/client/v4.js";

import * as versionedClient from "./versioned/client.js";

/** Every client protocol type across versions 1-4, read and written through the v4 types. */
export const versioned = {
  ToClient: versionedClient.ToClient,
  ToServer: versionedClient.ToServer,
  HttpActionRequest: versionedClient.HttpActionRequest,
  HttpActionResponse: versionedClient.HttpActionResponse,
  HttpResponseError: versionedClient.HttpResponseError,
  HttpResolveResponse: versionedClient.HttpResolveResponse,
  HttpQueueSendRequest: versionedClient.HttpQueueSendRequest,
  HttpQueueSendResponse: versionedClient.HttpQueueSendResponse,
} as const;

/** Every client protocol version this package speaks. */
export const VERSIONS = [1, 2, 3, 4] as const;
/** The newest client protocol version; rivetkit 2.3.19 sends this one. */
export const LATEST_VERSION = 4;
