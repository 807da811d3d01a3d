/**
 * How each family's messages travel: version prefix or not, how the version is chosen,
 * WebSocket subprotocols and close codes. Every name and number comes from the code's own
 * constants; only the sentences joining them are written here. A family without an entry
 * still gets its pages, with a note that its framing is not described yet.
 */
import {
  CLIENT_ENCODINGS,
  ERROR_CODES,
  HEADER_ENCODING,
  HEADER_TARGET,
  WS_PROTOCOL_CONN_PARAMS,
  WS_PROTOCOL_ENCODING,
  WS_PROTOCOL_STANDARD,
  WS_PROTOCOL_TARGET_RUNNER,
  WS_PROTOCOL_TOKEN,
  client,
  contentTypeFor,
  envoy,
  persist,
  runner,
} from "@actorwire/protocol";
// The runner endpoint's close codes are the engine's constants; the engine does not export
// them from its package root, so the generator reads its source, as the release tests do.
import { CLOSE_ERROR, CLOSE_NORMAL, CLOSE_TOO_BIG } from "../../../engine-ts/src/runners/errors.js";
import { prose, table } from "./markdown.js";

function hexU16(n: number): string {
  return `${(n & 0xff).toString(16).padStart(2, "0")} ${(n >>> 8).toString(16).padStart(2, "0")}`;
}

function runnerFraming(version: number): string {
  const closes = Object.entries(ERROR_CODES)
    .filter(([, info]) => info.meaning.startsWith("Runner WebSocket close:"))
    .map(([id, info]) => [`\`${id}\``, prose(info.meaning.replace("Runner WebSocket close: ", "")), id === "ws.eviction" ? String(CLOSE_NORMAL) : id === "ws.message_too_large" ? String(CLOSE_TOO_BIG) : String(CLOSE_ERROR)]);
  const mk = version <= 3 ? "1–3" : `4–${runner.LATEST_VERSION}`;
  return [
    `- **Transport:** one WebSocket per runner, opened at \`/runners/connect?protocol_version=${version}&namespace=…&runner_key=…\`. The engine also routes a WebSocket on any path to this endpoint when it offers the \`${WS_PROTOCOL_TARGET_RUNNER}\` subprotocol or sends \`${HEADER_TARGET}: runner\`.`,
    `- **Version:** fixed for the whole connection by \`protocol_version\` in the URL; frames carry **no version prefix**. The engine accepts versions ${runner.VERSIONS.join(", ")}; any other well-formed number closes the socket with \`ws.invalid_packet\`.`,
    `- **Frames:** each binary WebSocket message is exactly one BARE value: \`ToServer\` from runner to engine, \`ToClient\` from engine to runner. The first message must be \`ToServerInit\`.`,
    `- **Version families:** versions 1–3 and 4–${runner.LATEST_VERSION} are separate families on the wire (different message sets); this version belongs to versions ${mk}, which the converters read and write through the newest type of the family.`,
    "- **Close codes:** the engine closes with the reason `<group>.<code>#<ray id>`:",
    "",
    table(["reason", "meaning", "close code"], closes),
  ].join("\n");
}

function clientFraming(): string {
  const encodings = CLIENT_ENCODINGS.map((e) => `\`${e}\` (\`${contentTypeFor(e)}\`)`).join(", ");
  return [
    `- **Transport:** HTTP requests and one WebSocket per connection, through the engine's gateway to the actor. The encoding is named by the \`${HEADER_ENCODING}\` header (HTTP) or the \`${WS_PROTOCOL_ENCODING}<encoding>\` subprotocol (WebSocket): ${encodings}. Missing or unknown means \`json\`.`,
    `- **Version prefix:** in the \`bare\` encoding every message starts with the schema version as a 2-byte little-endian integer, then the BARE value (version ${client.LATEST_VERSION} is \`${hexU16(client.LATEST_VERSION)}\`). The golden vectors below are the BARE value alone, without the prefix. The \`json\` and \`cbor\` encodings carry the same fields in those formats.`,
    `- **WebSocket subprotocols:** the client offers \`${WS_PROTOCOL_STANDARD}\` (the engine selects it), \`${WS_PROTOCOL_ENCODING}<encoding>\`, and where needed \`${WS_PROTOCOL_CONN_PARAMS}<percent-encoded JSON>\` and \`${WS_PROTOCOL_TOKEN}<token>\`.`,
    "- **Messages:** `ToServer` from client to actor and `ToClient` from actor to client on the WebSocket; the `Http*` types are the bodies of the HTTP action, queue and resolve requests and their answers.",
    "- **Close codes:** an actor closes a connection with 1000 when it ends normally and with 1011 and the reason `<group>.<code>` (see [error codes](../errors.md)) when it fails.",
  ].join("\n");
}

function persistFraming(): string {
  return [
    "- **Where:** records the actor runtime keeps in the actor's own KV storage (the actor, its connections, queue and schedule); they never cross a socket.",
    `- **Version prefix:** every stored record starts with its schema version as a 2-byte little-endian integer (version ${persist.LATEST_VERSION} is \`${hexU16(persist.LATEST_VERSION)}\`), then the BARE value. A reader refuses a version it does not know with \`version.unknown_version\`. The golden vectors below are the BARE value alone, without the prefix.`,
  ].join("\n");
}

function envoyFraming(): string {
  const known = envoy.VERSIONS.join(", ");
  return [
    `- **Transport:** one WebSocket per envoy (how the native core of rivetkit 2.3 and later hosts actors), opened at \`/envoys/connect?protocol_version=…&namespace=…&pool_name=…&envoy_key=…&version=…\` with the subprotocol \`${WS_PROTOCOL_STANDARD}\` and, when a token is set, \`${WS_PROTOCOL_TOKEN}<token>\`. The pool (runner config) must exist before the envoy connects.`,
    `- **Version:** fixed for the whole connection by \`protocol_version\` in the URL; frames carry **no version prefix**. The codecs know versions ${known}: version 7's layout is not published, so it is refused as an unknown version rather than guessed.`,
    "- **Frames:** each binary WebSocket message is exactly one BARE value: `ToRivet` from envoy to engine, `ToEnvoy` from engine to envoy. The engine sends `ToEnvoyInit` first, without waiting; the envoy's `ToRivetMetadata` is optional.",
    "- **Engine-internal types:** `ToEnvoyConn`, `ToGateway`, `ToOutbound` and `ActorCommandKeyData` never cross the envoy's socket; Rivet's engine writes them with a 2-byte little-endian version in front. The golden vectors below are the BARE value alone.",
  ].join("\n");
}

/** The framing rules of a family, as Markdown (a bullet list, maybe with a table). */
export function framingFor(family: string, version: number): string {
  switch (family) {
    case "runner":
      return runnerFraming(version);
    case "client":
      return clientFraming();
    case "persist":
      return persistFraming();
    case "envoy":
      return envoyFraming();
    default:
      return "- The framing of this family is not described yet: each message is one BARE value of a root type below.";
  }
}
