/**
 * The gateway: client HTTP and WebSocket traffic addressed to an actor, tunnelled to the
 * runner the actor lives on over its `/runners/connect` socket. See {@link Gateway}.
 */
export { Gateway, type GatewayOptions } from "./gateway.js";
export { TunnelTable } from "./tunnel-table.js";
export { type GatewayConfig, type ResolvedGatewayConfig, resolveGatewayConfig } from "./config.js";
export type {
  ActorGenerationEvent,
  ActorPlacement,
  ActorQuery,
  ActorRouter,
  WaitReadyOptions,
} from "./router.js";
export { type ActorAddress, type GatewayTarget, parseGatewayPath, parseHeaderTarget } from "./route.js";
export { RAY_ID_HEADER } from "./headers.js";
