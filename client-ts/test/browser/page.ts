/**
 * The browser page's script: bundled with esbuild for the browser platform (no Node
 * built-ins available), it exposes one scenario the test drives through Playwright.
 */
import { createClient } from "../../src/index.js";

interface ScenarioResult {
  readonly stateless: number;
  readonly viaConnection: number;
  readonly event: number;
  readonly status: string;
  readonly webSocketGlobal: boolean;
}

async function runScenario(endpoint: string, encoding: "json" | "cbor" | "bare", key: string): Promise<ScenarioResult> {
  const client = createClient({ endpoint, encoding });
  try {
    const handle = client.getOrCreate("counter", [key]);
    const stateless = (await handle.increment(2)) as number;
    const conn = handle.connect();
    const event = new Promise<number>((resolve) => conn.on("newCount", (n: number) => resolve(n)));
    await conn.ready;
    const viaConnection = (await conn.increment(3)) as number;
    const status = conn.connStatus;
    const result = { stateless, viaConnection, event: await event, status, webSocketGlobal: typeof WebSocket === "function" };
    await conn.dispose();
    return result;
  } finally {
    await client.dispose();
  }
}

(globalThis as { runScenario?: typeof runScenario }).runScenario = runScenario;
