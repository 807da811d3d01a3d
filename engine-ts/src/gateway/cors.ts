import type { IncomingHttpHeaders } from "node:http";

/**
 * CORS as Rivet's gateway does it: allow everyone, mirror the origin (credentials are allowed,
 * so `*` is only used when the request has no origin), expose every header, and let the
 * actor decide in its own handlers. Preflights are answered without reaching the actor,
 * because a browser's preflight carries no credentials to route or authorise with.
 */

/** The origin to allow: the request's `origin`, or `*` without one. */
export function allowedOrigin(headers: IncomingHttpHeaders): string {
  const origin = headers.origin;
  return typeof origin === "string" && origin !== "" ? origin : "*";
}

/** Headers every gateway response carries (actor responses and the gateway's own errors). */
export function corsHeaders(origin: string): Record<string, string> {
  const headers: Record<string, string> = {
    "access-control-allow-origin": origin,
    "access-control-allow-credentials": "true",
    "access-control-expose-headers": "*",
  };
  // Caches must not hand one origin's answer to another.
  if (origin !== "*") headers.vary = "Origin";
  return headers;
}

/** Headers of the 204 answer to an `OPTIONS` preflight on `/gateway/...`. */
export function preflightHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const requested = headers["access-control-request-headers"];
  return {
    ...corsHeaders(allowedOrigin(headers)),
    "access-control-allow-methods": "GET, POST, PUT, DELETE, OPTIONS, PATCH",
    "access-control-allow-headers": typeof requested === "string" && requested !== "" ? requested : "*",
    "access-control-max-age": "86400",
  };
}
