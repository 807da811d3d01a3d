import { actor, event, UserError } from "@actorwire/runner";

/** One message of a room's history. */
export interface ChatMessage {
  readonly from: string;
  readonly text: string;
  readonly at: number;
}

/** How many messages a room keeps; older ones are dropped first. */
const HISTORY_LIMIT = 100;
/** Longest message a room accepts, in characters. */
const MAX_TEXT = 2000;

/**
 * A chat room: one actor per room key. Members connect with a nickname as their connection
 * parameter, receive every new message as a `message` event, and can read the recent history.
 */
export const chatRoom = actor({
  state: { messages: [] as ChatMessage[] },
  createConnState: (_c, params: { nickname?: string } | undefined) => {
    const nickname = params?.nickname?.trim();
    if (nickname === undefined || nickname === "") throw new UserError("a nickname is required to join", { code: "nickname_required" });
    return { nickname };
  },
  events: {
    message: event<ChatMessage>(),
    joined: event<string>(),
    left: event<string>(),
  },
  onConnect: (c, conn) => {
    c.broadcast("joined", conn.state.nickname);
  },
  onDisconnect: (c, conn) => {
    c.broadcast("left", conn.state.nickname);
  },
  actions: {
    /**
     * Posts a message as the calling connection's nickname (or `from`, over stateless HTTP).
     * Not called `send`: on a client handle `send` is the queue send, so an action of that name
     * could not be reached through the typed client.
     */
    post: (c, text: string, from?: string) => {
      if (typeof text !== "string" || text.length === 0) throw new UserError("empty message", { code: "empty_message" });
      if (text.length > MAX_TEXT) throw new UserError(`messages are at most ${MAX_TEXT} characters`, { code: "message_too_long" });
      const sender = (c.conn?.state as { nickname?: string } | undefined)?.nickname ?? from ?? "anonymous";
      const message: ChatMessage = { from: sender, text, at: Date.now() };
      c.state.messages.push(message);
      if (c.state.messages.length > HISTORY_LIMIT) c.state.messages.splice(0, c.state.messages.length - HISTORY_LIMIT);
      c.broadcast("message", message);
      return message;
    },
    /** The most recent messages, oldest first. */
    history: (c, limit?: number) => c.state.messages.slice(-(limit ?? HISTORY_LIMIT)),
  },
});
