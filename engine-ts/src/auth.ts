import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { EngineError } from "./errors.js";

/**
 * Compares a presented token with the admin token in constant time. Both are hashed first so
 * the comparison takes the same time whatever their lengths, and a wrong guess learns nothing
 * about how much of it was right.
 */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token a public API request carries: `Authorization: Bearer <t>` or `x-rivet-token`. */
export function apiToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === "string") {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (m !== null) return m[1];
  }
  const alt = req.headers["x-rivet-token"];
  return typeof alt === "string" && alt.length > 0 ? alt : undefined;
}

/**
 * Refuses a public API request without the admin token (401 `auth.missing_token`) or with a
 * wrong one (403 `auth.invalid_token`), as Rivet's engine does when auth is configured.
 */
export function requireAdminToken(req: IncomingMessage, adminToken: string): void {
  const presented = apiToken(req);
  if (presented === undefined) {
    throw new EngineError("auth.missing_token", "This engine requires a token: send `Authorization: Bearer <token>`.", { status: 401 });
  }
  if (!tokenMatches(presented, adminToken)) {
    throw new EngineError("auth.invalid_token", "The token is not valid for this engine.", { status: 403 });
  }
}
