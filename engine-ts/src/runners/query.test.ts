import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { RunnerWsError } from "./errors.js";
import { isRunnerUpgrade, parseConnectQuery } from "./query.js";

const idOf = (url: string): string => {
  try {
    parseConnectQuery(url);
    return "ok";
  } catch (err) {
    return err instanceof RunnerWsError ? err.id : `unexpected: ${String(err)}`;
  }
};

const req = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as unknown as IncomingMessage;

describe("parseConnectQuery", () => {
  it("reads the three parameters, decoding them", () => {
    expect(parseConnectQuery("/runners/connect?protocol_version=7&namespace=my%20ns&runner_key=k%2F1")).toEqual({
      protocolVersion: 7,
      namespace: "my ns",
      runnerKey: "k/1",
    });
  });

  it.each([
    ["/runners/connect?namespace=default&runner_key=k", "ws.invalid_url"],
    ["/runners/connect?protocol_version=7&runner_key=k", "ws.invalid_url"],
    ["/runners/connect?protocol_version=7&namespace=default", "ws.invalid_url"],
    ["/runners/connect?protocol_version=7&namespace=default&runner_key=", "ws.invalid_url"],
    ["/runners/connect?protocol_version=-1&namespace=default&runner_key=k", "ws.invalid_url"],
    ["/runners/connect?protocol_version=70000&namespace=default&runner_key=k", "ws.invalid_url"],
    ["/runners/connect?protocol_version=9&namespace=default&runner_key=k", "ws.invalid_packet"],
    ["/runners/connect?protocol_version=0&namespace=default&runner_key=k", "ws.invalid_packet"],
    ["/runners/connect?protocol_version=1&namespace=default&runner_key=k", "ok"],
  ])("%s → %s", (url, id) => {
    expect(idOf(url)).toBe(id);
  });
});

describe("isRunnerUpgrade", () => {
  it("takes the connect path, the runner subprotocol and the x-rivet-target header", () => {
    expect(isRunnerUpgrade(req("/runners/connect?protocol_version=7"))).toBe(true);
    expect(isRunnerUpgrade(req("/x", { "sec-websocket-protocol": "rivet, rivet_target.runner" }))).toBe(true);
    expect(isRunnerUpgrade(req("/x", { "x-rivet-target": "runner" }))).toBe(true);
    expect(isRunnerUpgrade(req("/gateway/abc", { "sec-websocket-protocol": "rivet" }))).toBe(false);
  });
});
