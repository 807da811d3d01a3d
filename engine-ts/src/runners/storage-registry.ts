import type { Catalog } from "../catalog/catalog.js";
import { tupleKey } from "../catalog/tuple-key.js";
import { Subspace, subspacePrefix } from "../storage/keyspace.js";
import type { Storage } from "../storage/storage.js";
import { mintRunnerId } from "./ids.js";
import type { Namespace, RunnerIdentity, RunnerRegistry } from "./registry.js";

const RUNNER_ID = subspacePrefix(Subspace.runnerId);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Namespaces from the catalog and runner IDs kept in storage, so a runner that reconnects
 * with the same key gets the same ID even after an engine restart (and with it the commands
 * still stored for that ID).
 */
export class StorageRunnerRegistry implements RunnerRegistry {
  constructor(
    private readonly storage: Storage,
    private readonly catalog: Catalog,
  ) {}

  resolveNamespace(name: string): Namespace | undefined {
    const ns = this.catalog.resolveNamespace(name);
    return ns === undefined ? undefined : { id: ns.namespace_id, name: ns.name };
  }

  runnerIdFor(identity: RunnerIdentity): string {
    const key = tupleKey(RUNNER_ID, [identity.namespaceId, identity.name, identity.runnerKey]);
    return this.storage.transaction((tx) => {
      const existing = tx.get(key);
      if (existing !== undefined) return decoder.decode(existing);
      const id = mintRunnerId();
      tx.put(key, encoder.encode(id));
      return id;
    });
  }

  /**
   * Forgets a runner identity, so its next connection gets a new ID. The lifecycle calls this
   * when it gives a lost runner up, as Rivet does for an expired runner.
   */
  forget(identity: RunnerIdentity): void {
    this.storage.write([{ op: "delete", key: tupleKey(RUNNER_ID, [identity.namespaceId, identity.name, identity.runnerKey]) }]);
  }
}
