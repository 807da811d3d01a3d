/**
 * SIGTERM/SIGINT handling shared by every runner of the process that asked for it: the first
 * signal shuts them all down gracefully and then exits; a second signal exits at once (an
 * operator pressing Ctrl-C twice means it).
 */

/** A runner as the signal handler sees it. */
export interface SignalTarget {
  shutdown(): Promise<void>;
}

const targets = new Set<SignalTarget>();
let installed = false;
let signalled = false;

function onSignal(signal: NodeJS.Signals): void {
  if (signalled) {
    process.exit(signal === "SIGINT" ? 130 : 143);
  }
  signalled = true;
  const all = [...targets];
  void Promise.allSettled(all.map((t) => t.shutdown())).then(() => process.exit(0));
}

/** Makes SIGTERM and SIGINT drain `target` (and every other registered runner) and exit. */
export function handleSignalsFor(target: SignalTarget): void {
  targets.add(target);
  if (installed) return;
  installed = true;
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/** Stops handling signals for `target`; once none is left, the process handlers go too. */
export function releaseSignalsFor(target: SignalTarget): void {
  targets.delete(target);
  if (targets.size > 0 || !installed || signalled) return;
  installed = false;
  process.off("SIGTERM", onSignal);
  process.off("SIGINT", onSignal);
}
