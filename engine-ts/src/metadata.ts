import { client, runner } from "@actorwire/protocol";

/** What `GET /metadata` reports, in the engine API's snake_case. */
export function engineMetadata(version: string): Record<string, unknown> {
  return {
    runtime: "engine",
    implementation: "actorwire",
    version,
    runner_protocol_versions: [...runner.VERSIONS],
    runner_protocol_version: runner.LATEST_VERSION,
    client_protocol_versions: [...client.VERSIONS],
    client_protocol_version: client.LATEST_VERSION,
  };
}
