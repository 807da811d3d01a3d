/**
 * The client against our stack: the actorwire engine, with the fixture actors hosted by
 * @actorwire/runner. The same cases as `rivetkit.test.ts`.
 */
import { describe } from "vitest";
import { clientSuite } from "./cases.js";
import { actorwireStack } from "./support/stack.js";

describe("client against @actorwire/runner on the actorwire engine", () => {
  clientSuite(actorwireStack);
});
