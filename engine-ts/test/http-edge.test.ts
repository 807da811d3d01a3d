import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineProcess } from "@actorwire/testkit";

// Hostile requests at the engine's HTTP edge, sent to a real engine process. Each one must get
// a 4xx with the API's error shape, and the engine must keep serving afterwards.

let engine: EngineProcess;

beforeAll(async () => {
  engine = await EngineProcess.start();
});

afterAll(async () => {
  await engine?.close();
});

interface RawAnswer {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
}

/**
 * Sends bytes on a fresh TCP connection exactly as given (no URL normalisation, as curl's
 * `--path-as-is` does) and reads the answer until the engine closes the connection.
 */
function raw(request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(engine.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const head = split < 0 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: head, body: split < 0 ? "" : text.slice(split + 4) });
    });
    socket.write(request);
  });
}

/** The body of a response that is not chunked, or the first chunk of a chunked one. */
function jsonOf(answer: RawAnswer): Record<string, unknown> {
  const chunked = /transfer-encoding: chunked/i.test(answer.headers);
  const text = chunked ? answer.body.split("\r\n")[1] ?? "" : answer.body;
  return JSON.parse(text) as Record<string, unknown>;
}

async function expectServing(): Promise<void> {
  const res = await fetch(`${engine.base}/health`);
  expect(res.status).toBe(200);
  expect(engine.running).toBe(true);
}

describe("request targets the URL parser refuses", () => {
  for (const target of ["///", "//", "//x:99999/", "http://[::1/"]) {
    it(`GET ${target} answers 400 api.invalid_target and the engine keeps serving`, async () => {
      const answer = await raw(`GET ${target} HTTP/1.1\r\nHost: engine\r\nConnection: close\r\n\r\n`);
      expect(answer.status).toBe(400);
      const body = jsonOf(answer);
      expect(body).toMatchObject({ group: "api", code: "invalid_target" });
      expect(body.metadata).toMatchObject({ target });
      await expectServing();
    });
  }
});

describe("malformed percent-encoding in an actor ID", () => {
  for (const [method, path] of [
    ["DELETE", "/actors/%zz"],
    ["POST", "/actors/%zz/sleep"],
    ["DELETE", "/actors/%E0%A4%A"],
    ["POST", "/actors/%ED%A0%80/sleep"],
  ] as const) {
    it(`${method} ${path} answers 400 api.invalid_path and the engine keeps serving`, async () => {
      const answer = await raw(`${method} ${path} HTTP/1.1\r\nHost: engine\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      expect(answer.status).toBe(400);
      expect(jsonOf(answer)).toMatchObject({ group: "api", code: "invalid_path" });
      await expectServing();
    });
  }
});

describe("WebSocket upgrades with odd targets", () => {
  for (const target of ["///", "/actors/%zz", "/gateway/%zz/x"]) {
    it(`an upgrade to ${target} is refused with a 4xx and the engine keeps serving`, async () => {
      const answer = await raw(
        `GET ${target} HTTP/1.1\r\nHost: engine\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      await expectServing();
    });
  }
});

/** Sends a JSON body as text, so that escapes such as `\ud800` reach the engine unchanged. */
async function api(method: string, path: string, json: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${engine.base}${path}`, { method, headers: { "content-type": "application/json" }, body: json });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("strings that are not well-formed Unicode", () => {
  const actor = (fields: Record<string, string>) =>
    JSON.stringify({ name: "counter", key: "k", runner_name_selector: "default", crash_policy: "sleep", ...fields });
  const cases: [string, string, string, string][] = [
    ["PUT", "/actors?namespace=default", actor({ key: "\ud800" }), "key"],
    ["PUT", "/actors?namespace=default", actor({ key: "a/\udfff/b" }), "key"],
    ["POST", "/actors?namespace=default", actor({ name: "x\ud800" }), "name"],
    ["POST", "/actors?namespace=default", actor({ runner_name_selector: "\udc00pool" }), "runner_name_selector"],
    ["POST", "/actors?namespace=default", actor({ input: "AAAA\ud800" }), "input"],
    ["POST", "/namespaces", JSON.stringify({ name: "lone", display_name: "\ud83d" }), "display_name"],
    ["POST", "/namespaces", JSON.stringify({ "\ud800": "x", name: "lone", display_name: "x" }), "\ud800"],
  ];
  for (const [method, path, json, field] of cases) {
    it(`${method} ${path} with a lone surrogate in ${JSON.stringify(field)} answers 400 naming the field`, async () => {
      const { status, body } = await api(method, path, json);
      expect(status).toBe(400);
      expect(body).toMatchObject({ group: "api", code: "invalid_unicode", metadata: { field } });
      expect(body.message).toContain("surrogate");
    });
  }

  it("a well-formed key with characters outside the BMP is accepted", async () => {
    const { status, body } = await api("POST", "/actors?namespace=default", actor({ key: `emoji-\ud83d\ude00-${Date.now()}` }));
    // Whether the creation itself is allowed depends on the runner name; the key is not the refusal.
    expect(body.code).not.toBe("invalid_unicode");
    expect(status).not.toBe(500);
  });

  it("an actor input that is not base64 answers 400 naming the field", async () => {
    const { status, body } = await api("POST", "/actors?namespace=default", actor({ input: "not base64!" }));
    expect(status).toBe(400);
    expect(body).toMatchObject({ group: "actor", code: "invalid_input", metadata: { field: "input" } });
  });
});
