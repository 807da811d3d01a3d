import { runner } from "@actorwire/protocol";
import { readEmbeddedVersion, withEmbeddedVersion } from "@actorwire/protocol/internal";
import type { CommandReplayHandler } from "../runners/index.js";
import type { StorageReader, StorageWriter } from "../storage/storage.js";
import {
  type CommandAddress,
  EXPIRY_PREFIX,
  commandKey,
  expiryDueEnd,
  expiryKey,
  generationCommandsPrefix,
  parseCommandKey,
  parseExpiryKey,
  rangeOf,
  runnerCommandsPrefix,
} from "./keys.js";

/** Stored commands carry the runner protocol version they were written in, as Rivet's engine does. */
const COMMAND_VERSION = 7;

/**
 * The commands the engine has sent (or will send) to runners and that no runner has acked
 * yet, keyed by runner and checkpoint. A command is written here before it is sent, so a
 * runner that reconnects with the same runner ID gets every command it may have missed.
 */
export const CommandStore = {
  /** Writes one command at its checkpoint. */
  put(tx: StorageWriter, address: CommandAddress, command: runner.v7.Command): void {
    const body = runner.v7.encodeActorCommandKeyData(command as runner.v7.ActorCommandKeyData);
    tx.put(commandKey(address), withEmbeddedVersion(COMMAND_VERSION, body));
  },

  /** Every command stored for a runner, in (actor, generation, index) order. */
  forRunner(reader: StorageReader, runnerId: string): runner.v7.CommandWrapper[] {
    return reader.scan({ prefix: runnerCommandsPrefix(runnerId) }).map((entry) => {
      const address = parseCommandKey(entry.key);
      const { version, body } = readEmbeddedVersion(entry.value);
      if (version !== COMMAND_VERSION) throw new Error(`stored command has unknown version ${version}`);
      const inner = runner.v7.decodeActorCommandKeyData(body) as runner.v7.Command;
      return {
        checkpoint: { actorId: address.actorId, generation: address.generation, index: BigInt(address.index) },
        inner,
      };
    });
  },

  /** Deletes a generation's commands with index ≤ `index` (a `ToServerAckCommands` entry). */
  ackThrough(tx: StorageWriter, runnerId: string, actorId: string, generation: number, index: number): void {
    if (index < 0) return;
    const start = generationCommandsPrefix(runnerId, actorId, generation);
    tx.deleteRange(start, commandKey({ runnerId, actorId, generation, index: index + 1 }));
  },

  /** Deletes every command of one generation on one runner. */
  dropGeneration(tx: StorageWriter, runnerId: string, actorId: string, generation: number): void {
    const { start, end } = rangeOf(generationCommandsPrefix(runnerId, actorId, generation));
    tx.deleteRange(start, end);
  },

  /** Marks a generation's commands for deletion at `expiresAt`, in case no runner ever answers them. */
  expireAt(tx: StorageWriter, runnerId: string, actorId: string, generation: number, expiresAt: number): void {
    tx.put(expiryKey({ expiresAt, runnerId, actorId, generation }), new Uint8Array(0));
  },

  /** Deletes the commands whose expiry has passed, and their expiry entries; returns how many generations. */
  sweep(tx: StorageWriter & StorageReader, now: number): number {
    const due = tx.scan({ start: EXPIRY_PREFIX, end: expiryDueEnd(now) });
    for (const entry of due) {
      const e = parseExpiryKey(entry.key);
      CommandStore.dropGeneration(tx, e.runnerId, e.actorId, e.generation);
      tx.delete(entry.key);
    }
    return due.length;
  },

  /** When the next expiry is due, or undefined when none is stored. */
  nextExpiry(reader: StorageReader): number | undefined {
    const [first] = reader.scan({ prefix: EXPIRY_PREFIX, limit: 1 });
    return first === undefined ? undefined : parseExpiryKey(first.key).expiresAt;
  },
};

/**
 * The runner endpoint's command replay: the commands stored for a runner and not acked yet,
 * sent right after `ToClientInit` when it connects or reconnects. It reads only storage, so
 * the composition root hands it to the endpoint at construction, before the lifecycle that
 * writes those commands exists.
 */
export function commandReplay(storage: StorageReader): CommandReplayHandler {
  return (connection) => {
    // Liveness changes only on `connected`: a handshake can still fail after the replay, and
    // such a connection never gets a `disconnected` event. Nothing can store a command
    // between this scan and `connected`, since only microtasks run in between.
    const commands = CommandStore.forRunner(storage, connection.runnerId);
    if (commands.length > 0) connection.log.debug({ count: commands.length }, "replaying unacked commands");
    return commands;
  };
}
