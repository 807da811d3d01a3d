import { mintRunnerId } from "./ids.js";

/** A namespace as the runner endpoint needs it: its stable ID and the name runners use. */
export interface Namespace {
  readonly id: string;
  readonly name: string;
}

/** What identifies a runner across reconnects: Rivet reuses the runner ID for the same triple. */
export interface RunnerIdentity {
  readonly namespaceId: string;
  /** The runner name from `ToServerInit` (the pool name). */
  readonly name: string;
  /** The `runner_key` query parameter. */
  readonly runnerKey: string;
}

/**
 * Where the runner endpoint looks up namespaces and runner IDs. The engine uses
 * `StorageRunnerRegistry` (namespaces from the catalog, runner IDs kept across restarts);
 * {@link MemoryRunnerRegistry} serves tests that run an endpoint on its own. Every method may
 * answer asynchronously, so that a registry may also live outside the process.
 */
export interface RunnerRegistry {
  /** The namespace with this name, or `undefined` when there is none. */
  resolveNamespace(name: string): Namespace | undefined | Promise<Namespace | undefined>;
  /**
   * The runner ID for this identity: the one already recorded if there is one, otherwise a
   * newly minted one that is recorded before it is returned.
   */
  runnerIdFor(identity: RunnerIdentity): string | Promise<string>;
}

/**
 * A registry held in memory, with the namespaces it was given (by default only `default`),
 * for an endpoint run without the engine's storage (tests). Runner IDs are lost on exit.
 */
export class MemoryRunnerRegistry implements RunnerRegistry {
  private readonly namespaces = new Map<string, Namespace>();
  private readonly runnerIds = new Map<string, string>();

  constructor(namespaceNames: readonly string[] = ["default"]) {
    for (const name of namespaceNames) this.addNamespace(name);
  }

  /** Adds a namespace (or returns the existing one of that name). */
  addNamespace(name: string): Namespace {
    const existing = this.namespaces.get(name);
    if (existing) return existing;
    const namespace = { id: mintRunnerId(), name };
    this.namespaces.set(name, namespace);
    return namespace;
  }

  resolveNamespace(name: string): Namespace | undefined {
    return this.namespaces.get(name);
  }

  runnerIdFor(identity: RunnerIdentity): string {
    // JSON keeps the three parts apart whatever characters the name or key contain.
    const key = JSON.stringify([identity.namespaceId, identity.name, identity.runnerKey]);
    let id = this.runnerIds.get(key);
    if (id === undefined) {
      id = mintRunnerId();
      this.runnerIds.set(key, id);
    }
    return id;
  }
}
