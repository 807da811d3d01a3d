/**
 * The stateless-call transport outside Node (browsers, workers, Bun, Deno): the global
 * `fetch`. The package's `#transport` import resolves here under every condition but `node`,
 * and under `bun` and `deno` before it.
 */
import { type HttpTransport, fetchTransport } from "./transport.js";

/** @internal The transport for one client; private, not semver. */
export function createTransport(): HttpTransport {
  return fetchTransport;
}
