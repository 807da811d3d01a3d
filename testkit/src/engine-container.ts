import type { Readable } from "node:stream";
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer, Wait } from "testcontainers";
import { freePort } from "./processes.js";

/** How {@link startEngineContainer} runs the engine image. */
export interface EngineContainerOptions {
  /** The image; default `actorwire/engine:latest` (`npm run docker:build` makes it). */
  readonly image?: string;
  /** More `ACTORWIRE_*` configuration for the engine, e.g. `ACTORWIRE_ADMIN_TOKEN`. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * A Docker volume name (or an absolute host path the container's user 1000 may write) to
   * mount at `/data`, so the engine's data outlives the container. Without it the data lives
   * in an anonymous volume that goes with the container.
   */
  readonly dataVolume?: string;
  /** The loopback port the engine listens on; a free one when not given. */
  readonly port?: number;
  /** How long the engine may take to answer `/health`; default 60 s. */
  readonly startupTimeoutMs?: number;
}

/** A running engine container, reachable on 127.0.0.1. */
export interface StartedEngineContainer {
  /** `http://127.0.0.1:<port>`: the public API, the gateway and the runner endpoint. */
  readonly endpoint: string;
  readonly port: number;
  /** The underlying testcontainers handle, for anything this interface does not cover. */
  readonly container: StartedTestContainer;
  /** Everything the engine has printed so far (its JSON log lines). */
  logs(): string;
  /** `docker restart`: SIGTERM, then the same container starts again with the same data. */
  restart(): Promise<void>;
  /** `docker stop` (SIGTERM, then SIGKILL after `timeoutMs`) and removal; resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | undefined>;
}

/**
 * Starts the actorwire engine image for an integration test, the way
 * `@testcontainers/postgresql` starts PostgreSQL: the container uses the host's network and
 * listens on 127.0.0.1 only (no port mapping, nothing reachable from elsewhere), and the
 * promise resolves once `/health` answers. When the engine does not come up, the error carries
 * its last log lines.
 *
 * testcontainers normally starts its Ryuk reaper container; where no image registry is
 * reachable, set `TESTCONTAINERS_RYUK_DISABLED=true` and stop containers yourself.
 */
export async function startEngineContainer(options: EngineContainerOptions = {}): Promise<StartedEngineContainer> {
  // testcontainers looks for the Docker host through the daemon's `bridge` network, which a
  // daemon started with `--bridge=none` does not have. The engine uses the host's network, so
  // the host to reach it on is this machine's loopback whatever the daemon's networks are.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
  let output = "";
  let container = new GenericContainer(options.image ?? "actorwire/engine:latest")
    .withNetworkMode("host")
    .withEnvironment({ ACTORWIRE_HOST: "127.0.0.1", ACTORWIRE_PORT: String(port), ...options.env })
    .withLogConsumer((stream: Readable) => {
      stream.on("data", (chunk: Buffer | string) => {
        output += chunk.toString();
      });
    })
    // With host networking there is no mapped port to probe, so wait for the line the engine
    // prints once it listens, then ask /health below.
    .withWaitStrategy(Wait.forLogMessage(/actorwire engine listening/))
    .withStartupTimeout(startupTimeoutMs);
  if (options.dataVolume !== undefined) container = container.withBindMounts([{ source: options.dataVolume, target: "/data", mode: "rw" }]);
  let started: StartedTestContainer;
  try {
    started = await container.start();
  } catch (error) {
    throw new Error(`the engine container did not start: ${(error as Error).message}\n${lastLines(output)}`, { cause: error });
  }
  const waitHealthy = async (): Promise<void> => {
    const deadline = Date.now() + startupTimeoutMs;
    for (;;) {
      try {
        const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) return;
      } catch {
        // Not listening yet (after a restart); try again until the deadline.
      }
      if (Date.now() > deadline) throw new Error(`the engine container never answered ${endpoint}/health\n${lastLines(output)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await waitHealthy();
  } catch (error) {
    await started.stop({ timeout: 1_000 }).catch(() => {});
    throw error;
  }
  return {
    endpoint,
    port,
    container: started,
    logs: () => output,
    restart: async () => {
      await started.restart({ timeout: 10_000 });
      await waitHealthy();
    },
    stop: async (timeoutMs = 10_000) => {
      const client = await getContainerRuntimeClient();
      const handle = client.container.getById(started.getId());
      await client.container.stop(handle, { timeout: timeoutMs });
      const exitCode = (await client.container.inspect(handle)).State.ExitCode;
      await client.container.remove(handle, { removeVolumes: true });
      return exitCode;
    },
  };
}

function lastLines(text: string, count = 20): string {
  return text.trimEnd().split("\n").slice(-count).join("\n");
}
