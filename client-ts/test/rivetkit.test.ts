/**
 * The client against real Rivet: rivetkit 2.3.19 actors hosted by rivetkit's own runtime
 * (its native envoy) on Rivet's `rivet-engine` binary. Nobody here wrote these actors' server
 * side, so passing means the client speaks Rivet's protocols, not just our own.
 */
import { describe } from "vitest";
import { clientSuite } from "./cases.js";
import { rivetkitStack } from "./support/stack.js";

describe("client against rivetkit 2.3.19 on rivet-engine", () => {
  clientSuite(rivetkitStack);
});
