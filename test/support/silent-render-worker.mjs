// A render worker that says it is ready and then never answers: a template stuck outside a
// loop, as far as the pool can tell (test/rendering/pool.test.ts).
import { parentPort } from "node:worker_threads";

parentPort?.postMessage({ ready: true });
parentPort?.on("message", () => {});
