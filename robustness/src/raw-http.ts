import { connect } from "node:net";

/** What a raw HTTP exchange came to. */
export type RawAnswer =
  | { readonly kind: "status"; readonly status: number; readonly head: string }
  | { readonly kind: "closed"; readonly detail: string }
  | { readonly kind: "timeout" };

/**
 * Sends one HTTP/1.1 request as raw bytes over a fresh TCP connection and resolves with the
 * status of the answer. Raw, because `fetch` and `http.request` normalise or refuse exactly the
 * request-targets and headers a hostile caller sends (`///`, `%zz`, bytes that are not UTF-8).
 */
export function rawRequest(port: number, head: Buffer, body: Uint8Array, timeoutMs: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (answer: RawAnswer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish({ kind: "timeout" }), timeoutMs);
    socket.on("connect", () => {
      socket.write(head);
      if (body.length > 0) socket.write(body);
    });
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return;
      const headText = received.subarray(0, end).toString("latin1");
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(headText);
      finish(match ? { kind: "status", status: Number(match[1]), head: headText } : { kind: "closed", detail: `not an HTTP answer: ${JSON.stringify(headText.slice(0, 80))}` });
    });
    // A reset or close before any answer: the server refused the bytes at the parser, which
    // is a fine answer to garbage (Node's HTTP parser answers 400 first where it can).
    socket.on("error", (error) => finish({ kind: "closed", detail: error.message }));
    socket.on("close", () => finish({ kind: "closed", detail: received.length === 0 ? "closed without an answer" : "closed mid-answer" }));
  });
}

/** The head of a request: request line, headers (Content-Length from the body), blank line. */
export function requestHead(method: string, target: Buffer | string, headers: readonly (readonly [string, string])[], bodyLength: number): Buffer {
  const lines = [Buffer.concat([Buffer.from(`${method} `, "latin1"), typeof target === "string" ? Buffer.from(target, "utf8") : target, Buffer.from(" HTTP/1.1\r\n", "latin1")])];
  const all: (readonly [string, string])[] = [["host", "127.0.0.1"], ["connection", "close"], ...headers];
  if (bodyLength > 0) all.push(["content-length", String(bodyLength)]);
  for (const [name, value] of all) lines.push(Buffer.from(`${name}: ${value}\r\n`, "utf8"));
  lines.push(Buffer.from("\r\n", "latin1"));
  return Buffer.concat(lines);
}
