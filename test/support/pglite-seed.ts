import { readFileSync } from "node:fs";
import { inject } from "vitest";
import { seedMemoryStores } from "../../src/store/pglite";

// Every test file's memory stores start from the store migrated once for the whole run
// (test/support/pglite-seed-global.ts).
const seed = inject("pgliteSeed");
if (seed) seedMemoryStores(new Blob([readFileSync(seed)]));
