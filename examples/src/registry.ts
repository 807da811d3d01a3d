import { setup } from "@actorwire/runner";
import { chatRoom } from "./chat-room.js";
import { counter } from "./counter.js";

/** The demo registry: what `npm start` hosts, and what a typed client imports. */
export const registry = setup({ use: { counter, chatRoom } });
