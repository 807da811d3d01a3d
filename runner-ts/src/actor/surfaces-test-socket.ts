/**
 * A `TunnelWebSocket` driven by a unit test: the test plays the tunnel (accepting the socket,
 * delivering client frames with their gateway indices, closing from the client side) and reads
 * back what the actor sent, its close and its acks.
 */
import type { TunnelCloseEvent, TunnelMessageEvent, TunnelWebSocket } from "../runner/types.js";

type Listener = (...args: never[]) => void;

export class FakeTunnelSocket implements TunnelWebSocket {
  readyState = 0;
  readonly sent: (string | Uint8Array)[] = [];
  readonly acks: number[] = [];
  closed: { code: number; reason: string } | undefined;
  lastReceivedIndex = 0;
  lastSentIndex = 0;
  private listeners = { message: [] as Listener[], close: [] as Listener[], open: [] as Listener[] };

  constructor(
    readonly isHibernatable: boolean,
    restored = false,
  ) {
    if (restored) this.readyState = 1;
  }

  /** The tunnel accepts the socket. */
  open(): void {
    this.readyState = 1;
    for (const l of this.listeners.open) (l as () => void)();
  }

  /** A client frame arrives with gateway index `index`. */
  deliver(data: string | Uint8Array, index: number): void {
    this.lastReceivedIndex = index;
    const event: TunnelMessageEvent = { data: typeof data === "string" ? data : (data.slice().buffer as ArrayBuffer), messageIndex: index };
    for (const l of this.listeners.message) (l as (e: TunnelMessageEvent) => void)(event);
  }

  /** The client closes. */
  clientClose(code = 1000, reason = "bye"): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    const event: TunnelCloseEvent = { code, reason, wasClean: true };
    for (const l of this.listeners.close) (l as (e: TunnelCloseEvent) => void)(event);
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== 1) throw new Error("not open");
    this.lastSentIndex++;
    this.sent.push(typeof data === "string" ? data : new Uint8Array(data instanceof ArrayBuffer ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState >= 2) return;
    this.closed = { code, reason };
    this.readyState = 3;
    const event: TunnelCloseEvent = { code, reason, wasClean: true };
    for (const l of this.listeners.close) (l as (e: TunnelCloseEvent) => void)(event);
  }

  ack(messageIndex: number): void {
    this.acks.push(messageIndex);
  }

  addEventListener(type: "message" | "close" | "open", listener: Listener): void {
    this.listeners[type].push(listener);
  }

  removeEventListener(type: "message" | "close" | "open", listener: Listener): void {
    this.listeners[type] = this.listeners[type].filter((l) => l !== listener);
  }
}

/** Lets pending promise callbacks and timers of 0 ms run. */
export function settle(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
