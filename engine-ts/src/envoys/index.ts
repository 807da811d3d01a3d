/**
 * The envoy endpoint, `/envoys/connect`: how rivetkit 2.3's native core connects to the
 * engine (envoy protocol v2-v6 and v8). This is its connection layer; see `README.md`.
 */
export { EnvoyConnection, type EnvoyConnectionInit, type ToEnvoy, type ToRivet } from "./connection.js";
export { EnvoyEndpoint, type EnvoyDisconnectInfo, type EnvoyEndpointOptions, type EnvoyEventMap } from "./endpoint.js";
export { EnvoyWsError, type EnvoyCloseCode } from "./errors.js";
export { ENVOY_CONNECT_PATH, type EnvoyConnectQuery, isEnvoyUpgrade, parseEnvoyQuery } from "./query.js";
export type { EnvoyDirectory, EnvoySessionSettings } from "./session.js";
