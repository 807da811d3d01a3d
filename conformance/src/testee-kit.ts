/**
 * The stdin/stdout loop of a codec testee written in TypeScript: read frames, answer the
 * hello, hand every other request to a handler, write its answer. A testee in another
 * language re-implements these few lines; see the README's "Testee protocol".
 */
import type { Readable, Writable } from "node:stream";
import { encodeFrame, FrameReader } from "./framing.js";
import type { CodecRequest, CodecResponse, HelloResponse } from "./testee-protocol.js";

/** What a testee implements. */
export interface TesteeHandler {
  /** The answer to the hello. */
  hello(): HelloResponse;
  /** The answer to one decode or encode request. Must not throw for any input. */
  handle(request: CodecRequest): CodecResponse | Promise<CodecResponse>;
}

/**
 * Serves the testee protocol until stdin ends, then resolves. Requests are answered one at a
 * time, in order. A frame that is not a request gets an `ok: false` answer with the code
 * `bad_request` when it has an id, and is otherwise ignored; a handler that throws anyway
 * gets `internal`, so the harness always hears back.
 */
export async function serveTestee(
  handler: TesteeHandler,
  io: { input: Readable; output: Writable } = { input: process.stdin, output: process.stdout },
): Promise<void> {
  const reader = new FrameReader();
  for await (const chunk of io.input) {
    for (const frame of reader.push(chunk as Buffer)) {
      const message = (typeof frame === "object" && frame !== null ? frame : {}) as { id?: unknown; op?: unknown };
      if (message.op === "hello") {
        io.output.write(encodeFrame(handler.hello()));
        continue;
      }
      if (typeof message.id !== "number") continue;
      let response: CodecResponse;
      if (message.op !== "decode" && message.op !== "encode") {
        response = { id: message.id, ok: false, error: { code: "bad_request", message: `unknown op ${JSON.stringify(message.op)}` } };
      } else {
        try {
          response = await handler.handle(message as CodecRequest);
        } catch (error) {
          response = { id: message.id, ok: false, error: { code: "internal", message: String(error) } };
        }
      }
      io.output.write(encodeFrame(response));
    }
  }
}
