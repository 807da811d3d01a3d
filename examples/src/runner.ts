/**
 * The demo runner process: hosts the registry's actors on the engine at RIVET_ENDPOINT
 * (http://127.0.0.1:6420 when unset) until SIGTERM or SIGINT, which drain it gracefully.
 */
import { registry } from "./registry.js";

registry.start();
