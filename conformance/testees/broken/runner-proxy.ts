/**
 * Broken runners, to test the runner suite itself: Rivet's runner (the Rivet testee adapter,
 * loaded in this process) behind a small WebSocket proxy that breaks the protocol in one way,
 * chosen by the first argument. Each fault is something a runner author could get wrong; the
 * tests in `src/runner-broken.test.ts` assert that the suite catches every one.
 *
 *   node --import tsx --conditions=source conformance/testees/broken/runner-proxy.ts <fault>
 *
 * The proxy sits between the runner and the harness's fake engine: it listens on a loopback
 * port, points the adapter's RIVET_ENDPOINT at itself, and forwards each runner connection to
 * the real endpoint frame by frame (path, query and subprotocols unchanged), rewriting frames
 * as the fault says.
 */
import { runner } from "@actorwire/protocol";
import { type RawData, WebSocket, WebSocketServer } from "ws";

type ToServer = runner.v7.ToServer;
type ToClient = runner.v7.ToClient;

/** What a fault may do with one frame: pass it, change it, drop it (empty list) or multiply it. */
interface Fault {
  /** Runner → engine. */
  up?(message: ToServer): ToServer[];
  /** Engine → runner. */
  down?(message: ToClient): ToClient[];
  /** How an engine close reaches the runner (default: unchanged). */
  close?(code: number, reason: string): { code: number; reason: string };
}

/** One pending WebSocket message held back to be sent after the next (reorder-ws). */
let heldBack: ToServer | undefined;

const FAULTS: Record<string, Fault> = {
  // Every events frame is sent twice on the same connection.
  "duplicate-events": { up: (m) => (m.tag === "ToServerEvents" ? [m, m] : [m]) },
  // Event numbering starts at 1 instead of 0.
  "events-from-one": {
    up: (m) => (m.tag === "ToServerEvents" ? [{ tag: "ToServerEvents", val: m.val.map((e) => ({ ...e, checkpoint: { ...e.checkpoint, index: e.checkpoint.index + 1n } })) }] : [m]),
  },
  // Running is reported for an actor the engine never started, right after each init.
  "phantom-running": {
    up: (m) =>
      m.tag === "ToServerInit"
        ? [m, { tag: "ToServerEvents", val: [{ checkpoint: { actorId: "phantom0000000000000000000000", generation: 0, index: 0n }, inner: { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateRunning", val: null } } } }] }]
        : [m],
  },
  // HTTP responses never leave the runner.
  "never-answer-http": {
    up: (m) => (m.tag === "ToServerTunnelMessage" && (m.val.messageKind.tag === "ToServerResponseStart" || m.val.messageKind.tag === "ToServerResponseAbort") ? [] : [m]),
  },
  // WebSocket messages are sent in swapped pairs.
  "reorder-ws": {
    up: (m) => {
      if (m.tag !== "ToServerTunnelMessage" || m.val.messageKind.tag !== "ToServerWebSocketMessage") return [m];
      if (heldBack === undefined) {
        heldBack = m;
        return [];
      }
      const first = heldBack;
      heldBack = undefined;
      return [m, first];
    },
  },
  // The pong carries a different ts.
  "wrong-pong": { up: (m) => (m.tag === "ToServerPong" ? [{ tag: "ToServerPong", val: { ts: m.val.ts + 1n } }] : [m]) },
  // A drain never says ToServerStopping.
  "no-stopping": { up: (m) => (m.tag === "ToServerStopping" ? [] : [m]) },
  // The runner reconnects after an eviction: the proxy hides the eviction reason from it.
  "reconnect-after-eviction": { close: (code, reason) => (reason.startsWith("ws.eviction") ? { code: 1011, reason: "ws.connection_closed" } : { code, reason }) },
  // KV list answers reach the actor reversed (a runner that reorders entries).
  "kv-reverse-lists": {
    down: (m) => {
      if (m.tag !== "ToClientKvResponse" || m.val.data.tag !== "KvListResponse") return [m];
      const list = m.val.data.val;
      return [{ tag: "ToClientKvResponse", val: { requestId: m.val.requestId, data: { tag: "KvListResponse", val: { keys: [...list.keys].reverse(), values: [...list.values].reverse(), metadata: [...list.metadata].reverse() } } } }];
    },
  },
  // A get or put sends its first key with the last byte changed.
  "kv-mangle-keys": {
    up: (m) => {
      if (m.tag !== "ToServerKvRequest" || (m.val.data.tag !== "KvGetRequest" && m.val.data.tag !== "KvPutRequest") || m.val.data.val.keys.length === 0) return [m];
      const keys = m.val.data.val.keys.map((k, i) => {
        if (i !== 0 || k.byteLength === 0) return k;
        const copy = new Uint8Array(k.slice(0));
        copy[copy.length - 1] = copy[copy.length - 1]! ^ 0x01;
        return copy.buffer;
      });
      const data = m.val.data.tag === "KvGetRequest" ? { tag: "KvGetRequest" as const, val: { keys } } : { tag: "KvPutRequest" as const, val: { keys, values: m.val.data.val.values } };
      return [{ tag: "ToServerKvRequest", val: { ...m.val, data } }];
    },
  },
};

const faultName = process.argv[2] ?? "";
const fault = FAULTS[faultName];
if (fault === undefined) {
  process.stderr.write(`usage: runner-proxy.ts <fault>; faults: ${Object.keys(FAULTS).join(", ")}\n`);
  process.exit(2);
}

const upstream = process.env.RIVET_ENDPOINT;
if (upstream === undefined) throw new Error("RIVET_ENDPOINT must be set (this program is started by actorwire-conformance runner)");
const upstreamWs = upstream.replace(/^http/, "ws").replace(/\/$/, "");

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: (protocols) => (protocols.has("rivet") ? "rivet" : false), maxPayload: 64 * 1024 * 1024 });
await new Promise<void>((resolve) => server.once("listening", resolve));
const address = server.address();
if (address === null || typeof address === "string") throw new Error("no proxy port");

const bytesOf = (data: RawData): Uint8Array => new Uint8Array(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer));

server.on("connection", (down, request) => {
  const protocols = (request.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "");
  const up = new WebSocket(`${upstreamWs}${request.url ?? "/"}`, protocols, { maxPayload: 64 * 1024 * 1024 });
  const queued: Uint8Array[] = [];
  const sendUp = (bytes: Uint8Array): void => {
    if (up.readyState === WebSocket.OPEN) up.send(bytes);
    else if (up.readyState === WebSocket.CONNECTING) queued.push(bytes);
  };
  up.on("open", () => {
    for (const bytes of queued.splice(0)) up.send(bytes);
  });
  down.on("message", (data: RawData, isBinary: boolean) => {
    if (!isBinary) return;
    const bytes = bytesOf(data);
    if (fault.up === undefined) return sendUp(bytes);
    for (const message of fault.up(runner.v7.decodeToServer(bytes))) sendUp(runner.v7.encodeToServer(message));
  });
  up.on("message", (data: RawData, isBinary: boolean) => {
    if (down.readyState !== WebSocket.OPEN) return;
    const bytes = bytesOf(data);
    if (!isBinary) return down.send(Buffer.from(bytes).toString("utf8"));
    let messages: ToClient[] | undefined;
    try {
      messages = fault.down === undefined ? undefined : fault.down(runner.v7.decodeToClient(bytes));
    } catch {
      // Malformed frames from the harness pass through unchanged: the runner is what is tested.
    }
    if (messages === undefined) down.send(bytes);
    else for (const message of messages) down.send(runner.v7.encodeToClient(message));
  });
  up.on("close", (code: number, reason: Buffer) => {
    const next = fault.close?.(code, reason.toString("utf8")) ?? { code, reason: reason.toString("utf8") };
    // 1005 and 1006 cannot be sent in a close frame; a plain close stands in for them.
    if (next.code === 1005 || next.code === 1006) down.terminate();
    else down.close(next.code, next.reason);
  });
  down.on("close", (code: number, reason: Buffer) => {
    if (up.readyState === WebSocket.OPEN) up.close(code === 1005 || code === 1006 ? 1000 : code, reason.toString("utf8"));
    else up.terminate();
  });
  up.on("error", () => down.terminate());
  down.on("error", () => up.terminate());
});

process.env.RIVET_ENDPOINT = `http://127.0.0.1:${address.port}`;
await import("../rivet-engine-runner.js");
