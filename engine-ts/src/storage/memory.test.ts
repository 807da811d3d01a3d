import { MemoryStorage } from "./memory.js";
import { describeStorage } from "./storage.suite.js";

describeStorage("MemoryStorage", { create: () => new MemoryStorage() });
