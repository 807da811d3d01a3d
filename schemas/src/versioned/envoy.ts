import * as e1 from "../gen/envoy/v1.js";
import * as e2 from "../gen/envoy/v2.js";
import * as e3 from "../gen/envoy/v3.js";
import * as e4 from "../gen/envoy/v4.js";
import * as e5 from "../gen/envoy/v5.js";
import * as e6 from "../gen/envoy/v6.js";
import * as e8 from "../gen/envoy/v8.js";
import { ChainBuilder, notExpressible } from "./chain.js";

/**
 * Envoy protocol versions 1-6 and 8, read and written through the v8 types.
 *
 * There is no v7: no public artefact gives its layout (see `schemas/envoy/README.md`), so the
 * chain steps from v6 straight to v8 and a v7 connection is an unknown version.
 *
 * Where a step leaves a part of a message unchanged, the converter passes that part through
 * with a cast: the layouts are identical, but TypeScript treats the types of two generated
 * modules as different even when their values are the same.
 */
export const ENVOY_VERSIONS = [1, 2, 3, 4, 5, 6, 8] as const;
const FAMILY = "envoy";

// ---- v1 <-> v2: the SQLite page store appears ----------------------------------------------

function rivetDown2(x: e2.ToRivet): e1.ToRivet {
  if (x.tag.startsWith("ToRivetSqlite")) notExpressible(FAMILY, "ToRivet", 2, 1, `${x.tag} (SQLite needs envoy protocol v2)`);
  return x as unknown as e1.ToRivet;
}

function envoyUp1(x: e1.ToEnvoy): e2.ToEnvoy {
  if (x.tag !== "ToEnvoyCommands") return x as unknown as e2.ToEnvoy;
  return {
    tag: "ToEnvoyCommands",
    val: x.val.map((c) =>
      c.inner.tag === "CommandStartActor"
        ? { checkpoint: c.checkpoint, inner: { tag: "CommandStartActor", val: { ...c.inner.val, sqliteStartupData: null } } }
        : (c as unknown as e2.CommandWrapper),
    ),
  };
}

function envoyDown2(x: e2.ToEnvoy): e1.ToEnvoy {
  if (x.tag.startsWith("ToEnvoySqlite")) notExpressible(FAMILY, "ToEnvoy", 2, 1, `${x.tag} (SQLite needs envoy protocol v2)`);
  if (x.tag !== "ToEnvoyCommands") return x as unknown as e1.ToEnvoy;
  return {
    tag: "ToEnvoyCommands",
    val: x.val.map((c) => {
      if (c.inner.tag !== "CommandStartActor") return c as unknown as e1.CommandWrapper;
      // A v1 envoy has no page store, so the pages read ahead for it have nowhere to go.
      const { sqliteStartupData: _dropped, ...start } = c.inner.val;
      return { checkpoint: c.checkpoint, inner: { tag: "CommandStartActor", val: start as unknown as e1.CommandStartActor } };
    }),
  };
}

// ---- v2 <-> v3: the page store becomes stateless -------------------------------------------

/** The fields of v2's SqliteMeta when a v3 answer, which carries none, is written as v2. */
const UNKNOWN_META: e2.SqliteMeta = {
  generation: 0n,
  headTxid: 0n,
  materializedTxid: 0n,
  dbSizePages: 0,
  pageSize: 0,
  creationTsMs: 0n,
  maxDeltaBytes: 0n,
};

function rivetUp2(x: e2.ToRivet): e3.ToRivet {
  switch (x.tag) {
    case "ToRivetSqliteGetPagesRequest": {
      const { actorId, generation, pgnos } = x.val.data;
      return {
        tag: x.tag,
        val: { requestId: x.val.requestId, data: { actorId, pgnos, expectedGeneration: generation, expectedHeadTxid: null } },
      };
    }
    case "ToRivetSqliteCommitRequest": {
      const { actorId, generation, expectedHeadTxid, dirtyPages, newDbSizePages } = x.val.data;
      return {
        tag: x.tag,
        val: {
          requestId: x.val.requestId,
          // v2 commits carry no clock; 0 says "unknown" and is dropped again going back.
          data: { actorId, dirtyPages, dbSizePages: newDbSizePages, nowMs: 0n, expectedGeneration: generation, expectedHeadTxid },
        },
      };
    }
    case "ToRivetSqliteCommitStageBeginRequest":
    case "ToRivetSqliteCommitStageRequest":
    case "ToRivetSqliteCommitFinalizeRequest":
      return notExpressible(FAMILY, "ToRivet", 2, 3, `${x.tag} (v3 has no staged commits)`);
    default:
      return x as unknown as e3.ToRivet;
  }
}

function rivetDown3(x: e3.ToRivet): e2.ToRivet {
  switch (x.tag) {
    case "ToRivetSqliteGetPagesRequest": {
      const { actorId, pgnos, expectedGeneration } = x.val.data;
      return { tag: x.tag, val: { requestId: x.val.requestId, data: { actorId, generation: expectedGeneration ?? 0n, pgnos } } };
    }
    case "ToRivetSqliteCommitRequest": {
      const { actorId, dirtyPages, dbSizePages, expectedGeneration, expectedHeadTxid } = x.val.data;
      return {
        tag: x.tag,
        val: {
          requestId: x.val.requestId,
          data: { actorId, generation: expectedGeneration ?? 0n, expectedHeadTxid: expectedHeadTxid ?? 0n, dirtyPages, newDbSizePages: dbSizePages },
        },
      };
    }
    default:
      return x as unknown as e2.ToRivet;
  }
}

function fenceMessage(f: e2.SqliteFenceMismatch): string {
  return `fence mismatch: ${f.reason}`;
}

function envoyUp2(x: e2.ToEnvoy): e3.ToEnvoy {
  switch (x.tag) {
    case "ToEnvoySqliteGetPagesResponse": {
      const d = x.val.data;
      const data: e3.SqliteGetPagesResponse =
        d.tag === "SqliteGetPagesOk"
          ? { tag: "SqliteGetPagesOk", val: { pages: d.val.pages } }
          : { tag: "SqliteErrorResponse", val: { message: d.tag === "SqliteFenceMismatch" ? fenceMessage(d.val) : d.val.message } };
      return { tag: x.tag, val: { requestId: x.val.requestId, data } };
    }
    case "ToEnvoySqliteCommitResponse": {
      const d = x.val.data;
      let data: e3.SqliteCommitResponse;
      if (d.tag === "SqliteCommitOk") data = { tag: "SqliteCommitOk", val: null };
      else if (d.tag === "SqliteFenceMismatch") data = { tag: "SqliteErrorResponse", val: { message: fenceMessage(d.val) } };
      else if (d.tag === "SqliteCommitTooLarge") {
        data = { tag: "SqliteErrorResponse", val: { message: `commit too large: ${d.val.actualSizeBytes} > ${d.val.maxSizeBytes} bytes` } };
      } else data = { tag: "SqliteErrorResponse", val: d.val };
      return { tag: x.tag, val: { requestId: x.val.requestId, data } };
    }
    case "ToEnvoySqliteCommitStageBeginResponse":
    case "ToEnvoySqliteCommitStageResponse":
    case "ToEnvoySqliteCommitFinalizeResponse":
      return notExpressible(FAMILY, "ToEnvoy", 2, 3, `${x.tag} (v3 has no staged commits)`);
    case "ToEnvoyCommands":
      return {
        tag: "ToEnvoyCommands",
        val: x.val.map((c) => {
          if (c.inner.tag !== "CommandStartActor") return c as unknown as e3.CommandWrapper;
          // v3 envoys read their first pages with GetPages, so the read-ahead is dropped.
          const { sqliteStartupData: _dropped, ...start } = c.inner.val;
          return { checkpoint: c.checkpoint, inner: { tag: "CommandStartActor", val: start as unknown as e3.CommandStartActor } };
        }),
      };
    default:
      return x as unknown as e3.ToEnvoy;
  }
}

function envoyDown3(x: e3.ToEnvoy): e2.ToEnvoy {
  switch (x.tag) {
    case "ToEnvoySqliteGetPagesResponse": {
      const d = x.val.data;
      const data: e2.SqliteGetPagesResponse =
        d.tag === "SqliteGetPagesOk" ? { tag: "SqliteGetPagesOk", val: { pages: d.val.pages, meta: UNKNOWN_META } } : d;
      return { tag: x.tag, val: { requestId: x.val.requestId, data } };
    }
    case "ToEnvoySqliteCommitResponse": {
      const d = x.val.data;
      const data: e2.SqliteCommitResponse =
        d.tag === "SqliteCommitOk" ? { tag: "SqliteCommitOk", val: { newHeadTxid: 0n, meta: UNKNOWN_META } } : d;
      return { tag: x.tag, val: { requestId: x.val.requestId, data } };
    }
    case "ToEnvoyCommands":
      return {
        tag: "ToEnvoyCommands",
        val: x.val.map((c) =>
          c.inner.tag === "CommandStartActor"
            ? {
                checkpoint: c.checkpoint,
                inner: { tag: "CommandStartActor", val: { ...(c.inner.val as unknown as e2.CommandStartActor), sqliteStartupData: null } },
              }
            : (c as unknown as e2.CommandWrapper),
        ),
      };
    default:
      return x as unknown as e2.ToEnvoy;
  }
}

// ---- v3 <-> v4: remote SQL appended; v5 <-> v6: batched remote SQL appended ---------------

function refuseNew(type: "ToRivet" | "ToEnvoy", from: number, to: number, tags: readonly string[]) {
  return <T extends { readonly tag: string }, U>(x: T): U => {
    if (tags.includes(x.tag)) notExpressible(FAMILY, type, from, to, `${x.tag} (new in envoy protocol v${from})`);
    return x as unknown as U;
  };
}

// ---- v4 <-> v5: head transaction IDs and typed SQLite errors --------------------------------

/** How Rivet's engine lifts an untyped v4 SQLite error into the typed shape of v5. */
function errorUp4(e: e4.SqliteErrorResponse): e5.SqliteErrorResponse {
  return { group: "core", code: "internal_error", message: e.message };
}

function errorDown5(e: e5.SqliteErrorResponse): e4.SqliteErrorResponse {
  return { message: e.message };
}

function envoyUp4(x: e4.ToEnvoy): e5.ToEnvoy {
  switch (x.tag) {
    case "ToEnvoySqliteGetPagesResponse": {
      const d = x.val.data;
      const data: e5.SqliteGetPagesResponse =
        d.tag === "SqliteGetPagesOk" ? { tag: d.tag, val: { pages: d.val.pages, headTxid: null } } : { tag: d.tag, val: errorUp4(d.val) };
      return { tag: x.tag, val: { requestId: x.val.requestId, data } };
    }
    case "ToEnvoySqliteCommitResponse": {
      const d = x.val.data;
      const data: e5.SqliteCommitResponse =
        d.tag === "SqliteCommitOk" ? { tag: d.tag, val: { headTxid: null } } : { tag: d.tag, val: errorUp4(d.val) };
      return { tag: x.tag, val: { requestId: x.val.requestId, data } };
    }
    case "ToEnvoySqliteExecResponse": {
      const d = x.val.data;
      const data: e5.SqliteExecResponse = d.tag === "SqliteExecOk" ? d : { tag: d.tag, val: errorUp4(d.val) };
      return { tag: x.tag, val: { requestId: x.val.requestId, data } };
    }
    case "ToEnvoySqliteExecuteResponse": {
      const d = x.val.data;
      const data: e5.SqliteExecuteResponse = d.tag === "SqliteExecuteOk" ? d : { tag: d.tag, val: errorUp4(d.val) };
      return { tag: x.tag, val: { requestId: x.val.requestId, data } };
    }
    default:
      return x as unknown as e5.ToEnvoy;
  }
}

function envoyDown5(x: e5.ToEnvoy): e4.ToEnvoy {
  switch (x.tag) {
    case "ToEnvoySqliteGetPagesResponse": {
      const d = x.val.data;
      const data: e4.SqliteGetPagesResponse =
        d.tag === "SqliteGetPagesOk" ? { tag: d.tag, val: { pages: d.val.pages } } : { tag: d.tag, val: errorDown5(d.val) };
      return { tag: x.tag, val: { requestId: x.val.requestId, data } };
    }
    case "ToEnvoySqliteCommitResponse": {
      const d = x.val.data;
      const data: e4.SqliteCommitResponse = d.tag === "SqliteCommitOk" ? { tag: d.tag, val: null } : { tag: d.tag, val: errorDown5(d.val) };
      return { tag: x.tag, val: { requestId: x.val.requestId, data } };
    }
    case "ToEnvoySqliteExecResponse": {
      const d = x.val.data;
      const data: e4.SqliteExecResponse = d.tag === "SqliteExecOk" ? d : { tag: d.tag, val: errorDown5(d.val) };
      return { tag: x.tag, val: { requestId: x.val.requestId, data } };
    }
    case "ToEnvoySqliteExecuteResponse": {
      const d = x.val.data;
      const data: e4.SqliteExecuteResponse = d.tag === "SqliteExecuteOk" ? d : { tag: d.tag, val: errorDown5(d.val) };
      return { tag: x.tag, val: { requestId: x.val.requestId, data } };
    }
    default:
      return x as unknown as e4.ToEnvoy;
  }
}

// ---- v6 <-> v8: streamed bodies, abort reasons, actor generations, staged commits ----------

/** What a v6 abort, which carries no reason, says in v8. */
const UNKNOWN_ABORT: e8.HttpStreamAbortReason = { kind: e8.HttpStreamAbortReasonKind.Unknown, detail: null };

function rivetUp6(x: e6.ToRivet): e8.ToRivet {
  if (x.tag === "ToRivetTunnelMessage" && x.val.messageKind.tag === "ToRivetResponseAbort") {
    return {
      tag: "ToRivetTunnelMessage",
      val: { messageId: x.val.messageId, messageKind: { tag: "ToRivetResponseAbort", val: { reason: UNKNOWN_ABORT } } },
    };
  }
  return x as unknown as e8.ToRivet;
}

function rivetDown8(x: e8.ToRivet): e6.ToRivet {
  if (x.tag.startsWith("ToRivetSqliteCommitStage") || x.tag === "ToRivetSqliteCommitFinalizeRequest") {
    notExpressible(FAMILY, "ToRivet", 8, 6, `${x.tag} (staged commits need envoy protocol v8)`);
  }
  if (x.tag !== "ToRivetTunnelMessage") return x as unknown as e6.ToRivet;
  const kind = x.val.messageKind;
  switch (kind.tag) {
    case "ToRivetRequestBodyWindowUpdate":
    case "ToRivetRequestBodyCancel":
      return notExpressible(FAMILY, "ToRivet", 8, 6, `${kind.tag} (body flow control needs envoy protocol v8)`);
    case "ToRivetResponseAbort":
      return { tag: "ToRivetTunnelMessage", val: { messageId: x.val.messageId, messageKind: { tag: "ToRivetResponseAbort", val: null } } };
    default:
      return x as unknown as e6.ToRivet;
  }
}

function envoyUp6(x: e6.ToEnvoy): e8.ToEnvoy {
  if (x.tag !== "ToEnvoyTunnelMessage") return x as unknown as e8.ToEnvoy;
  const { messageId, messageKind: kind } = x.val;
  let messageKind: e8.ToEnvoyTunnelMessageKind;
  switch (kind.tag) {
    case "ToEnvoyRequestStart":
      messageKind = { tag: kind.tag, val: { ...kind.val, actorGeneration: null, responseStream: false } };
      break;
    case "ToEnvoyRequestAbort":
      messageKind = { tag: kind.tag, val: { actorId: null, actorGeneration: null, reason: UNKNOWN_ABORT } };
      break;
    case "ToEnvoyWebSocketOpen":
      messageKind = { tag: kind.tag, val: { ...kind.val, actorGeneration: null } };
      break;
    default:
      messageKind = kind as unknown as e8.ToEnvoyTunnelMessageKind;
  }
  return { tag: "ToEnvoyTunnelMessage", val: { messageId, messageKind } };
}

function envoyDown8(x: e8.ToEnvoy): e6.ToEnvoy {
  if (x.tag.startsWith("ToEnvoySqliteCommitStage") || x.tag === "ToEnvoySqliteCommitFinalizeResponse") {
    notExpressible(FAMILY, "ToEnvoy", 8, 6, `${x.tag} (staged commits need envoy protocol v8)`);
  }
  if (x.tag !== "ToEnvoyTunnelMessage") return x as unknown as e6.ToEnvoy;
  const { messageId, messageKind: kind } = x.val;
  let messageKind: e6.ToEnvoyTunnelMessageKind;
  switch (kind.tag) {
    case "ToEnvoyRequestBodyCancel":
    case "ToEnvoyResponseBodyWindowUpdate":
      return notExpressible(FAMILY, "ToEnvoy", 8, 6, `${kind.tag} (body flow control needs envoy protocol v8)`);
    case "ToEnvoyRequestStart": {
      const { actorGeneration: _generation, responseStream: _stream, ...start } = kind.val;
      messageKind = { tag: kind.tag, val: start };
      break;
    }
    case "ToEnvoyRequestAbort":
      messageKind = { tag: kind.tag, val: null };
      break;
    case "ToEnvoyWebSocketOpen": {
      const { actorGeneration: _generation, ...open } = kind.val;
      messageKind = { tag: kind.tag, val: open };
      break;
    }
    default:
      messageKind = kind as unknown as e6.ToEnvoyTunnelMessageKind;
  }
  return { tag: "ToEnvoyTunnelMessage", val: { messageId, messageKind } };
}

const same = <T, U>(x: T): U => x as unknown as U;

/** `ToRivet` (envoy to engine) across envoy protocol v1-v6 and v8, read and written as v8. */
export const ToRivet = ChainBuilder.start(FAMILY, "ToRivet", 1, { encode: e1.encodeToRivet, decode: e1.decodeToRivet })
  .next(2, { encode: e2.encodeToRivet, decode: e2.decodeToRivet }, same<e1.ToRivet, e2.ToRivet>, rivetDown2)
  .next(3, { encode: e3.encodeToRivet, decode: e3.decodeToRivet }, rivetUp2, rivetDown3)
  .next(
    4,
    { encode: e4.encodeToRivet, decode: e4.decodeToRivet },
    same<e3.ToRivet, e4.ToRivet>,
    refuseNew("ToRivet", 4, 3, ["ToRivetSqliteExecRequest", "ToRivetSqliteExecuteRequest"])<e4.ToRivet, e3.ToRivet>,
  )
  // v4 and v5 share one ToRivet layout: only answers changed.
  .next(5, { encode: e5.encodeToRivet, decode: e5.decodeToRivet }, same<e4.ToRivet, e5.ToRivet>, same<e5.ToRivet, e4.ToRivet>)
  .next(
    6,
    { encode: e6.encodeToRivet, decode: e6.decodeToRivet },
    same<e5.ToRivet, e6.ToRivet>,
    refuseNew("ToRivet", 6, 5, ["ToRivetSqliteExecuteBatchRequest"])<e6.ToRivet, e5.ToRivet>,
  )
  .next(8, { encode: e8.encodeToRivet, decode: e8.decodeToRivet }, rivetUp6, rivetDown8)
  .build(ENVOY_VERSIONS);

/** `ToEnvoy` (engine to envoy) across envoy protocol v1-v6 and v8, read and written as v8. */
export const ToEnvoy = ChainBuilder.start(FAMILY, "ToEnvoy", 1, { encode: e1.encodeToEnvoy, decode: e1.decodeToEnvoy })
  .next(2, { encode: e2.encodeToEnvoy, decode: e2.decodeToEnvoy }, envoyUp1, envoyDown2)
  .next(3, { encode: e3.encodeToEnvoy, decode: e3.decodeToEnvoy }, envoyUp2, envoyDown3)
  .next(
    4,
    { encode: e4.encodeToEnvoy, decode: e4.decodeToEnvoy },
    same<e3.ToEnvoy, e4.ToEnvoy>,
    refuseNew("ToEnvoy", 4, 3, ["ToEnvoySqliteExecResponse", "ToEnvoySqliteExecuteResponse"])<e4.ToEnvoy, e3.ToEnvoy>,
  )
  .next(5, { encode: e5.encodeToEnvoy, decode: e5.decodeToEnvoy }, envoyUp4, envoyDown5)
  .next(
    6,
    { encode: e6.encodeToEnvoy, decode: e6.decodeToEnvoy },
    same<e5.ToEnvoy, e6.ToEnvoy>,
    refuseNew("ToEnvoy", 6, 5, ["ToEnvoySqliteExecuteBatchResponse"])<e6.ToEnvoy, e5.ToEnvoy>,
  )
  .next(8, { encode: e8.encodeToEnvoy, decode: e8.decodeToEnvoy }, envoyUp6, envoyDown8)
  .build(ENVOY_VERSIONS);
