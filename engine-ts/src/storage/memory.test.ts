import { MemoryStorage } from "./memory.js";
import { describeStorage } from "./storage.suite.js";

describeStorage(
  "MemoryStorage",
  { create: () => new MemoryStorage() },
  { skip: [{ reason: "an in-memory store keeps nothing across close", tests: ["keeps committed data across close and reopen"] }] },
);
