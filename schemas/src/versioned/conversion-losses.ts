/**
 * Every one-step conversion that does not carry a value over unchanged, in one table.
 *
 * A step not listed here is exact: converting a value one step and back returns it
 * unchanged, and the tests check that for every listed family, type and step with generated
 * values. Each listed step is a place where Rivet's own bridge behaves the same way (it
 * accepts the loss), or, for `not_expressible`, refuses with an error; the tests also check
 * that every entry still describes a real loss, so the table cannot go stale.
 */
export interface ConversionLoss {
  /** Stable name, used by the tests to find the example that demonstrates the loss. */
  readonly id: string;
  /** The protocol family the step belongs to. */
  readonly family: "runner" | "client" | "envoy";
  /** The message type converted, e.g. `ToServer`. */
  readonly type: string;
  /**
   * The step: `from` and `to` are neighbouring versions of the type (envoy v6 and v8 are
   * neighbours, as there is no v7); `from < to` is an upgrade, `from > to` a downgrade.
   */
  readonly from: number;
  /** The version converted to. */
  readonly to: number;
  /** `lossy`: information is dropped or defaulted. `not_expressible`: a VersionError is thrown. */
  readonly kind: "lossy" | "not_expressible";
  /** What is dropped, defaulted or refused, in a sentence. */
  readonly what: string;
}

/** The table of every lossy or refused one-step conversion (see {@link ConversionLoss}). */
export const CONVERSION_LOSSES: readonly ConversionLoss[] = [
  {
    id: "runner-server-2-1-hibernation",
    family: "runner",
    type: "ToServer",
    from: 2,
    to: 1,
    kind: "lossy",
    what: "ToServerWebSocketOpen.canHibernate/lastMsgIndex and ToServerWebSocketClose.retry are dropped (v1 has no hibernation); upgrading fills false, -1 and false",
  },
  {
    id: "runner-server-2-1-message-ack",
    family: "runner",
    type: "ToServer",
    from: 2,
    to: 1,
    kind: "not_expressible",
    what: "ToServerWebSocketMessageAck does not exist in v1",
  },
  {
    id: "runner-server-2-3-uuid-ids",
    family: "runner",
    type: "ToServer",
    from: 2,
    to: 3,
    kind: "lossy",
    what: "16-byte request/message UUIDs shrink to the v3 message ID (gateway and request ID from the request UUID; index from a message UUID packed for the same request, else 0); ToServerWebSocketOpen.lastMsgIndex is dropped",
  },
  {
    id: "runner-client-2-1-ws-index",
    family: "runner",
    type: "ToClient",
    from: 2,
    to: 1,
    kind: "lossy",
    what: "ToClientWebSocketMessage.index is dropped; upgrading fills 0",
  },
  {
    id: "runner-client-2-3-uuid-ids",
    family: "runner",
    type: "ToClient",
    from: 2,
    to: 3,
    kind: "lossy",
    what: "16-byte request/message UUIDs shrink to the v3 message ID; gatewayReplyTo and ToClientWebSocketMessage.index (v3 keeps the index only in the message ID) are dropped",
  },
  {
    id: "runner-client-3-2-hibernating-requests",
    family: "runner",
    type: "ToClient",
    from: 3,
    to: 2,
    kind: "lossy",
    what: "CommandStartActor.hibernatingRequests is dropped (a v2 runner cannot restore hibernated sockets); upgrading fills an empty list",
  },
  {
    id: "runner-server-4-5-event-actor-id",
    family: "runner",
    type: "ToServer",
    from: 4,
    to: 5,
    kind: "lossy",
    what: "the actor ID inside each v4 event is dropped; v5 keeps only the checkpoint's actor ID (downgrading copies it back)",
  },
  {
    id: "runner-server-5-4-ack-generation",
    family: "runner",
    type: "ToServer",
    from: 5,
    to: 4,
    kind: "lossy",
    what: "ToServerAckCommands checkpoints lose their generation (v4 acks have none); upgrading fills 0",
  },
  {
    id: "runner-server-7-6-delete-range",
    family: "runner",
    type: "ToServer",
    from: 7,
    to: 6,
    kind: "not_expressible",
    what: "KvDeleteRangeRequest requires runner protocol v7",
  },
  {
    id: "runner-client-5-4-ack-generation",
    family: "runner",
    type: "ToClient",
    from: 5,
    to: 4,
    kind: "lossy",
    what: "ToClientAckEvents checkpoints lose their generation (v4 acks have none); upgrading fills 0",
  },
  {
    id: "runner-client-6-5-thresholds",
    family: "runner",
    type: "ToClient",
    from: 6,
    to: 5,
    kind: "lossy",
    what: "ProtocolMetadata.actorStopThreshold and serverlessDrainGracePeriod are dropped; upgrading fills 0 and null",
  },
  {
    id: "envoy-torivet-2-1-sqlite",
    family: "envoy",
    type: "ToRivet",
    from: 2,
    to: 1,
    kind: "not_expressible",
    what: "the SQLite page requests do not exist in v1",
  },
  {
    id: "envoy-toenvoy-2-1-sqlite",
    family: "envoy",
    type: "ToEnvoy",
    from: 2,
    to: 1,
    kind: "not_expressible",
    what: "the SQLite page answers do not exist in v1",
  },
  {
    id: "envoy-toenvoy-2-1-startup-data",
    family: "envoy",
    type: "ToEnvoy",
    from: 2,
    to: 1,
    kind: "lossy",
    what: "CommandStartActor.sqliteStartupData is dropped (a v1 envoy has no page store); upgrading fills null",
  },
  {
    id: "envoy-torivet-2-3-staged",
    family: "envoy",
    type: "ToRivet",
    from: 2,
    to: 3,
    kind: "not_expressible",
    what: "v2 staged commit requests (begin, stage, finalize) have no v3 form; Rivet's own bridge leaves this step unimplemented",
  },
  {
    id: "envoy-torivet-3-2-fences",
    family: "envoy",
    type: "ToRivet",
    from: 3,
    to: 2,
    kind: "lossy",
    what: "SqliteGetPagesRequest.expectedHeadTxid and SqliteCommitRequest.nowMs are dropped and absent fences become 0; upgrading fills a null head fence and nowMs 0",
  },
  {
    id: "envoy-toenvoy-2-3-meta",
    family: "envoy",
    type: "ToEnvoy",
    from: 2,
    to: 3,
    kind: "lossy",
    what: "SqliteMeta and newHeadTxid are dropped, fence-mismatch and too-large answers become SqliteErrorResponse with their reason as text, and CommandStartActor.sqliteStartupData is dropped; downgrading fills a zero SqliteMeta",
  },
  {
    id: "envoy-toenvoy-2-3-staged",
    family: "envoy",
    type: "ToEnvoy",
    from: 2,
    to: 3,
    kind: "not_expressible",
    what: "v2 staged commit answers have no v3 form",
  },
  {
    id: "envoy-torivet-4-3-exec",
    family: "envoy",
    type: "ToRivet",
    from: 4,
    to: 3,
    kind: "not_expressible",
    what: "SqliteExecRequest and SqliteExecuteRequest require envoy protocol v4",
  },
  {
    id: "envoy-toenvoy-4-3-exec",
    family: "envoy",
    type: "ToEnvoy",
    from: 4,
    to: 3,
    kind: "not_expressible",
    what: "SqliteExecResponse and SqliteExecuteResponse require envoy protocol v4",
  },
  {
    id: "envoy-toenvoy-5-4-head-and-error-code",
    family: "envoy",
    type: "ToEnvoy",
    from: 5,
    to: 4,
    kind: "lossy",
    what: "SqliteGetPagesOk.headTxid, SqliteCommitOk.headTxid and SqliteErrorResponse.group/code are dropped; upgrading fills null and group core, code internal_error (as Rivet's engine does)",
  },
  {
    id: "envoy-torivet-6-5-batch",
    family: "envoy",
    type: "ToRivet",
    from: 6,
    to: 5,
    kind: "not_expressible",
    what: "SqliteExecuteBatchRequest requires envoy protocol v6",
  },
  {
    id: "envoy-toenvoy-6-5-batch",
    family: "envoy",
    type: "ToEnvoy",
    from: 6,
    to: 5,
    kind: "not_expressible",
    what: "SqliteExecuteBatchResponse requires envoy protocol v6",
  },
  {
    id: "envoy-torivet-8-6-flow-and-staged",
    family: "envoy",
    type: "ToRivet",
    from: 8,
    to: 6,
    kind: "not_expressible",
    what: "ToRivetRequestBodyWindowUpdate, ToRivetRequestBodyCancel and the staged commit requests require envoy protocol v8",
  },
  {
    id: "envoy-torivet-8-6-abort-reason",
    family: "envoy",
    type: "ToRivet",
    from: 8,
    to: 6,
    kind: "lossy",
    what: "ToRivetResponseAbort.reason is dropped (a v6 abort has none); upgrading fills kind Unknown without detail",
  },
  {
    id: "envoy-toenvoy-8-6-flow-and-staged",
    family: "envoy",
    type: "ToEnvoy",
    from: 8,
    to: 6,
    kind: "not_expressible",
    what: "ToEnvoyRequestBodyCancel, ToEnvoyResponseBodyWindowUpdate and the staged commit answers require envoy protocol v8",
  },
  {
    id: "envoy-toenvoy-8-6-tunnel-fields",
    family: "envoy",
    type: "ToEnvoy",
    from: 8,
    to: 6,
    kind: "lossy",
    what: "ToEnvoyRequestStart.actorGeneration/responseStream, ToEnvoyWebSocketOpen.actorGeneration and ToEnvoyRequestAbort's actor and reason are dropped; upgrading fills null, false and kind Unknown",
  },
  {
    id: "client-toclient-1-2-token",
    family: "client",
    type: "ToClient",
    from: 1,
    to: 2,
    kind: "lossy",
    what: "Init.connectionToken is dropped; downgrading fills an empty string",
  },
  {
    id: "client-toclient-4-3-actor",
    family: "client",
    type: "ToClient",
    from: 4,
    to: 3,
    kind: "lossy",
    what: "Error.actor is dropped; upgrading fills null",
  },
  {
    id: "client-error-4-3-actor",
    family: "client",
    type: "HttpResponseError",
    from: 4,
    to: 3,
    kind: "lossy",
    what: "HttpResponseError.actor is dropped; upgrading fills null",
  },
];

/** The table as Markdown, as it appears in the protocol package's README. */
export function conversionLossesMarkdown(): string {
  const rows = CONVERSION_LOSSES.map(
    (l) =>
      `| ${l.family} | ${l.type} | v${l.from} → v${l.to} | ${l.from < l.to ? "upgrade" : "downgrade"} | ${l.kind} | ${l.what} |`,
  );
  return ["| family | type | step | direction | kind | what happens |", "|---|---|---|---|---|---|", ...rows].join("\n");
}
