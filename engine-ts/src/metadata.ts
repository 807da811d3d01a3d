import { client, envoy, runner } from "@actorwire/protocol";
import { MIN_ENVOY_PROTOCOL_VERSION } from "./envoys/query.js";

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
    // Rivet's engine reports the one envoy version it speaks natively; rivetkit reads it.
    envoy_protocol_version: envoy.LATEST_VERSION,
    envoy_protocol_versions: envoy.VERSIONS.filter((v) => v >= MIN_ENVOY_PROTOCOL_VERSION),
  };
}
