import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { TypedEmitter } from "./events.js";

type Events = { tick: [n: number]; done: [] };

describe("TypedEmitter", () => {
  it("calls listeners in order, survives one that throws, and removes listeners", () => {
    const seen: string[] = [];
    const lines: string[] = [];
    const log = pino({ level: "error" }, { write: (line: string) => void lines.push(line) });
    const emitter = new TypedEmitter<Events>(log);
    emitter.on("tick", (n) => seen.push(`a${n}`));
    emitter.on("tick", () => {
      throw new Error("faulty plug-in");
    });
    const off = emitter.on("tick", (n) => seen.push(`c${n}`));
    emitter.emit("tick", 1);
    off();
    emitter.emit("tick", 2);
    emitter.emit("done");
    expect(seen).toEqual(["a1", "c1", "a2"]);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ event: "tick", err: { message: "faulty plug-in" } });
  });
});
