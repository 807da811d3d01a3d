import { runner } from "@actorwire/protocol";
import type { RunnerConnection, ToClientTranslator } from "./connection.js";
import { type Mk1CommandCheckpoint, type Mk1Store, generationKey } from "./mk1-store.js";

/**
 * Rivet's mk1 runner workflow acknowledges events once the last event index is more than
 * this many past the last acknowledged one.
 */
export const MK1_EVENT_ACK_BATCH = 500n;

/** Hands one v7 message to the engine (the endpoint's dispatch). */
export type V7Dispatch = (message: runner.v7.ToServer) => void;

function commandKey(actorId: string, generation: number, index: number): string {
  return JSON.stringify([actorId, generation, index]);
}

/**
 * Serves one runner protocol v1-v3 ("mk1") connection to an engine that speaks v7 only: the
 * lifecycle, the KV handler and the gateway send and receive v7 values, and this bridge
 * turns them into the connection's own shapes and back.
 *
 * The two families number things differently. In v7 every command and event carries a
 * checkpoint `(actorId, generation, index)` numbered per actor generation; in mk1 commands
 * and events each have one index that runs across the whole runner, and acks are a single
 * "everything up to here". The bridge therefore keeps, per runner ID and in storage (see
 * {@link Mk1Store}):
 *
 * - the next runner-wide command index, and for every command it numbered and the runner has
 *   not acked, the v7 checkpoint behind it, so that a replay after a reconnect reuses the
 *   index the runner may already have seen, and an mk1 ack (`ToServerAckCommands` or
 *   `ToServerInit.lastCommandIdx`) becomes v7 acks of exactly those checkpoints;
 * - the last runner-wide event index processed, which is sent in `ToClientInit` and drops
 *   resent events, and the next v7 event index per actor generation.
 *
 * Events are handed to the engine first and recorded afterwards. If the engine stops in
 * between, the runner resends the same events after the old watermark, they get the same v7
 * indices again (the counters were not moved either), and the lifecycle drops the ones it had
 * already handled. For the same reason events are acknowledged to the runner only after the
 * record is written.
 */
export class Mk1Bridge implements ToClientTranslator {
  private readonly runnerId: string;
  private readonly version: number;
  private nextCommandIdx: bigint;
  /** Numbered, unacked commands by runner-wide index, in ascending order. */
  private readonly commands = new Map<bigint, Mk1CommandCheckpoint>();
  /** The runner-wide index of each numbered command, by {@link commandKey}. */
  private readonly indexOf = new Map<string, bigint>();
  private lastEventIdx: bigint;
  private lastAckedEventIdx: bigint;
  private readonly eventCounters: Map<string, number>;
  /** The runner's `lastCommandIdx` from `ToServerInit`; -1 when it has seen none. */
  private readonly runnerLastCommandIdx: bigint;
  private inEvents = false;
  private ackWanted = false;

  constructor(
    private readonly store: Mk1Store,
    private readonly connection: RunnerConnection,
    init: { readonly lastCommandIdx: bigint | null },
  ) {
    this.runnerId = connection.runnerId;
    this.version = connection.protocolVersion;
    const record = store.load(this.runnerId);
    this.nextCommandIdx = record.nextCommandIdx;
    for (const [idx, cp] of record.commands) this.remember(idx, cp);
    this.lastEventIdx = record.lastEventIdx;
    this.eventCounters = new Map(record.eventCounters);
    this.runnerLastCommandIdx = init.lastCommandIdx ?? -1n;

    // A runner that has seen no command hosts no actor and so has no event history: it is a
    // new process, whose event indices start again at 0 even with the same runner key. Keeping
    // the old watermark would drop its first events as duplicates.
    if (init.lastCommandIdx === null && this.lastEventIdx !== -1n) {
      connection.log.debug({ lastEventIdx: this.lastEventIdx }, "mk1 runner starts afresh; event watermark reset");
      this.lastEventIdx = -1n;
      store.writeEvents(this.runnerId, this.lastEventIdx, []);
    }
    // Never hand out an index the runner believes it has already seen (the engine may have
    // lost its records, or the runner may carry its counter over from another runner ID).
    if (this.runnerLastCommandIdx >= this.nextCommandIdx) {
      this.nextCommandIdx = this.runnerLastCommandIdx + 1n;
      store.writeCommands(this.runnerId, this.nextCommandIdx, []);
    }
    this.lastAckedEventIdx = this.lastEventIdx;
  }

  // ---- Engine to runner ------------------------------------------------------------------

  send(message: runner.v7.ToClient): boolean {
    switch (message.tag) {
      case "ToClientInit":
        return this.write({
          tag: "ToClientInit",
          val: {
            runnerId: message.val.runnerId,
            lastEventIdx: this.lastEventIdx,
            metadata: { runnerLostThreshold: message.val.metadata.runnerLostThreshold },
          },
        });
      case "ToClientCommands":
        return this.sendCommands(message.val);
      case "ToClientAckEvents":
        // Every event up to the watermark has been handled, so one runner-wide ack covers
        // whatever checkpoints the engine names. While a batch is being handled the
        // watermark is not written yet; the ack follows once it is.
        this.ackWanted = true;
        if (!this.inEvents) this.flushEventAck();
        return this.connection.open;
      case "ToClientKvResponse":
        return this.write({ tag: "ToClientKvResponse", val: { requestId: message.val.requestId, data: kvResponseToV3(message.val.data) } });
      case "ToClientTunnelMessage":
        // The v7 kinds are the v3 kinds without the deprecated ack; the message ID is the same.
        return this.write({ tag: "ToClientTunnelMessage", val: message.val });
      case "ToClientPing":
        // mk1 runners ping the engine, never the other way round.
        return this.connection.open;
    }
  }

  /**
   * Sends the commands replayed at the handshake. Those the runner reports having seen
   * (`lastCommandIdx`) are not sent again; their checkpoints are returned for the engine to
   * treat as acked. Numbered commands the engine no longer holds are forgotten.
   */
  replay(commands: readonly runner.v7.CommandWrapper[]): runner.v7.ActorCheckpoint[] {
    const seen = this.runnerLastCommandIdx;
    const wanted = new Set(commands.map((c) => commandKey(c.checkpoint.actorId, c.checkpoint.generation, Number(c.checkpoint.index))));
    const removed: bigint[] = [];
    const acked: Mk1CommandCheckpoint[] = [];
    for (const [idx, cp] of this.commands) {
      const key = commandKey(cp.actorId, cp.generation, cp.index);
      if (idx <= seen && wanted.has(key)) acked.push(cp);
      if (idx <= seen || !wanted.has(key)) removed.push(idx);
    }
    for (const idx of removed) this.forget(idx);
    if (removed.length > 0) this.connection.log.debug({ removed: removed.length, lastCommandIdx: seen }, "mk1 commands acked or dropped at reconnect");
    const known = new Set(acked.map((cp) => commandKey(cp.actorId, cp.generation, cp.index)));
    const remaining = commands.filter((c) => !known.has(commandKey(c.checkpoint.actorId, c.checkpoint.generation, Number(c.checkpoint.index))));
    const numbered = this.number(remaining, removed);
    this.write({ tag: "ToClientCommands", val: numbered });
    return groupAcks(acked);
  }

  private sendCommands(commands: readonly runner.v7.CommandWrapper[]): boolean {
    // Numbering is for the runner's eyes: a closed connection (an evicted one, say) numbers
    // nothing, and the engine replays the commands to the next connection.
    if (!this.connection.open) return false;
    return this.write({ tag: "ToClientCommands", val: this.number(commands, []) });
  }

  /**
   * Gives each command its runner-wide index (the one it already has, or the next one),
   * records new ones before anything is sent, and returns them in index order.
   */
  private number(commands: readonly runner.v7.CommandWrapper[], removed: readonly bigint[]): runner.v3.CommandWrapper[] {
    const added: [bigint, Mk1CommandCheckpoint][] = [];
    const out: { idx: bigint; command: runner.v7.CommandWrapper }[] = [];
    for (const command of commands) {
      const cp: Mk1CommandCheckpoint = {
        actorId: command.checkpoint.actorId,
        generation: command.checkpoint.generation,
        index: Number(command.checkpoint.index),
      };
      let idx = this.indexOf.get(commandKey(cp.actorId, cp.generation, cp.index));
      if (idx === undefined) {
        idx = this.nextCommandIdx;
        this.nextCommandIdx += 1n;
        this.remember(idx, cp);
        added.push([idx, cp]);
      }
      out.push({ idx, command });
    }
    if (added.length > 0 || removed.length > 0) this.store.writeCommands(this.runnerId, this.nextCommandIdx, added, removed);
    out.sort((a, b) => (a.idx < b.idx ? -1 : a.idx > b.idx ? 1 : 0));
    return out.map(({ idx, command }) => ({ index: idx, inner: commandToV3(command) }));
  }

  private remember(idx: bigint, cp: Mk1CommandCheckpoint): void {
    this.commands.set(idx, cp);
    this.indexOf.set(commandKey(cp.actorId, cp.generation, cp.index), idx);
  }

  private forget(idx: bigint): void {
    const cp = this.commands.get(idx);
    if (cp === undefined) return;
    this.commands.delete(idx);
    this.indexOf.delete(commandKey(cp.actorId, cp.generation, cp.index));
  }

  private flushEventAck(): void {
    this.ackWanted = false;
    if (this.lastEventIdx <= this.lastAckedEventIdx) return;
    this.lastAckedEventIdx = this.lastEventIdx;
    this.write({ tag: "ToClientAckEvents", val: { lastEventIdx: this.lastEventIdx } });
  }

  private write(message: runner.v3.ToClient): boolean {
    return this.connection.sendBytes(runner.mk1Versioned.ToClient.encode(message, this.version));
  }

  // ---- Runner to engine ------------------------------------------------------------------

  /**
   * Turns one message from the runner (read as v3) into what the engine understands and
   * hands it to `dispatch`. `frame` is the message as received, which v1 and v2 tunnel
   * acknowledgements need. `ToServerInit` and `ToServerPing` are the session's business.
   */
  receive(message: runner.v3.ToServer, frame: Uint8Array, dispatch: V7Dispatch): void {
    switch (message.tag) {
      case "ToServerEvents":
        return this.onEvents(message.val, dispatch);
      case "ToServerAckCommands": {
        const checkpoints = this.ackCommands(message.val.lastCommandIdx);
        if (checkpoints.length > 0) dispatch({ tag: "ToServerAckCommands", val: { lastCommandCheckpoints: checkpoints } });
        return;
      }
      case "ToServerStopping":
        return dispatch({ tag: "ToServerStopping", val: null });
      case "ToServerKvRequest":
        // mk1 has every v7 KV request but delete-range, with the same layouts.
        return dispatch({ tag: "ToServerKvRequest", val: message.val });
      case "ToServerTunnelMessage": {
        if (this.version <= 2) this.ackTunnelMessage(frame);
        const { messageId, messageKind } = message.val;
        if (messageKind.tag === "DeprecatedTunnelAck") return;
        return dispatch({ tag: "ToServerTunnelMessage", val: { messageId, messageKind: this.tunnelKind(messageKind) } });
      }
      case "ToServerInit":
      case "ToServerPing":
        return;
    }
  }

  /**
   * A v1 or v2 runner cannot restore a hibernated WebSocket: its start command has no list of
   * hibernating requests. A socket it offers as hibernatable, or closes with `retry`, would
   * leave the client connected to a tunnel that can never resume, so for these versions every
   * socket is a plain one, which the gateway closes when the actor stops.
   */
  private tunnelKind(kind: Exclude<runner.v3.ToServerTunnelMessageKind, { tag: "DeprecatedTunnelAck" }>): runner.v7.ToServerTunnelMessageKind {
    if (this.version >= 3) return kind;
    if (kind.tag === "ToServerWebSocketOpen") return { tag: kind.tag, val: { canHibernate: false } };
    if (kind.tag === "ToServerWebSocketClose") return { tag: kind.tag, val: { ...kind.val, hibernate: false } };
    return kind;
  }

  /** Forgets the commands up to `lastCommandIdx` and returns their v7 checkpoints, the last per generation. */
  private ackCommands(lastCommandIdx: bigint): runner.v7.ActorCheckpoint[] {
    const acked: Mk1CommandCheckpoint[] = [];
    const removed: bigint[] = [];
    for (const [idx, cp] of this.commands) {
      if (idx > lastCommandIdx) continue;
      acked.push(cp);
      removed.push(idx);
    }
    if (removed.length === 0) return [];
    for (const idx of removed) this.forget(idx);
    this.store.writeCommands(this.runnerId, this.nextCommandIdx, [], removed);
    return groupAcks(acked);
  }

  private onEvents(events: runner.v3.ToServerEvents, dispatch: V7Dispatch): void {
    const out: runner.v7.EventWrapper[] = [];
    const moved = new Map<string, [actorId: string, generation: number, next: number | undefined]>();
    let last = this.lastEventIdx;
    let duplicates = 0;
    for (const event of events) {
      if (event.index <= last) {
        duplicates++;
        continue;
      }
      last = event.index;
      const { actorId, generation } = event.inner.val;
      const key = generationKey(actorId, generation);
      const index = this.eventCounters.get(key) ?? 0;
      // A stopped generation sends nothing more: its counter can go.
      const stopped = event.inner.tag === "EventActorStateUpdate" && event.inner.val.state.tag === "ActorStateStopped";
      if (stopped) this.eventCounters.delete(key);
      else this.eventCounters.set(key, index + 1);
      moved.set(key, [actorId, generation, stopped ? undefined : index + 1]);
      out.push({ checkpoint: { actorId, generation, index: BigInt(index) }, inner: eventToV7(event.inner) });
    }
    if (duplicates > 0) this.connection.log.debug({ duplicates, lastEventIdx: this.lastEventIdx }, "dropping resent mk1 events");
    if (out.length > 0) {
      this.inEvents = true;
      try {
        dispatch({ tag: "ToServerEvents", val: out });
      } finally {
        this.inEvents = false;
      }
      this.lastEventIdx = last;
      this.store.writeEvents(this.runnerId, last, moved.values());
    }
    // A runner that resends what was handled has missed an ack; so has one far past the last.
    if (this.ackWanted || duplicates > 0 || this.lastEventIdx > this.lastAckedEventIdx + MK1_EVENT_ACK_BATCH) this.flushEventAck();
  }

  /**
   * v1 and v2 runners expect every tunnel message they send to be acknowledged with a
   * `TunnelAck` that carries their own request and message UUIDs, which the v3 form no
   * longer holds; so the frame is read again at its own version, as Rivet's engine does.
   */
  private ackTunnelMessage(frame: Uint8Array): void {
    const raw = runner.mk1Versioned.ToServer.decodeAt(frame, this.version) as runner.v2.ToServer | runner.v1.ToServer;
    if (raw.tag !== "ToServerTunnelMessage" || raw.val.messageKind.tag === "TunnelAck") return;
    const ack: runner.v2.ToClient = {
      tag: "ToClientTunnelMessage",
      val: {
        requestId: raw.val.requestId,
        messageId: raw.val.messageId,
        messageKind: { tag: "TunnelAck", val: null },
        gatewayReplyTo: null,
      },
    };
    // The ack has the same layout in v1 and v2.
    this.connection.sendBytes(runner.mk1Versioned.ToClient.encodeAt(ack, this.version));
  }
}

/** One checkpoint per actor generation: the highest acked index. */
function groupAcks(acked: readonly Mk1CommandCheckpoint[]): runner.v7.ActorCheckpoint[] {
  const last = new Map<string, Mk1CommandCheckpoint>();
  for (const cp of acked) {
    const key = generationKey(cp.actorId, cp.generation);
    const prev = last.get(key);
    if (prev === undefined || prev.index < cp.index) last.set(key, cp);
  }
  return [...last.values()].map((cp) => ({ actorId: cp.actorId, generation: cp.generation, index: BigInt(cp.index) }));
}

function commandToV3(command: runner.v7.CommandWrapper): runner.v3.Command {
  const { actorId, generation } = command.checkpoint;
  const inner = command.inner;
  if (inner.tag === "CommandStartActor") {
    return {
      tag: "CommandStartActor",
      val: { actorId, generation, config: inner.val.config, hibernatingRequests: inner.val.hibernatingRequests },
    };
  }
  return { tag: "CommandStopActor", val: { actorId, generation } };
}

function eventToV7(event: runner.v3.Event): runner.v7.Event {
  switch (event.tag) {
    case "EventActorIntent":
      return { tag: "EventActorIntent", val: { intent: event.val.intent } };
    case "EventActorSetAlarm":
      return { tag: "EventActorSetAlarm", val: { alarmTs: event.val.alarmTs } };
    case "EventActorStateUpdate": {
      const state = event.val.state;
      if (state.tag === "ActorStateRunning") return { tag: "EventActorStateUpdate", val: { state } };
      const code = state.val.code === runner.v3.StopCode.Ok ? runner.v7.StopCode.Ok : runner.v7.StopCode.Error;
      return { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateStopped", val: { code, message: state.val.message } } } };
    }
  }
}

/** v7 KV answers in v3's shape: the same, except that entry metadata calls its time `createTs`. */
function kvResponseToV3(data: runner.v7.KvResponseData): runner.v3.KvResponseData {
  const metadata = (m: readonly runner.v7.KvMetadata[]) => m.map((x) => ({ version: x.version, createTs: x.updateTs }));
  switch (data.tag) {
    case "KvGetResponse":
      return { tag: "KvGetResponse", val: { keys: data.val.keys, values: data.val.values, metadata: metadata(data.val.metadata) } };
    case "KvListResponse":
      return { tag: "KvListResponse", val: { keys: data.val.keys, values: data.val.values, metadata: metadata(data.val.metadata) } };
    default:
      return data;
  }
}
