import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { bundleHerald } from "../../src/bundle.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where Herald's bundles for this run are (src/bundle.mjs): `worker-boot.mjs`, `main.mjs`. */
    heraldBundle: string;
  }
}

/**
 * Bundles Herald once before any test file runs, as `npm start` does. The suites start hundreds
 * of gateways; a render worker that loads the sources through tsx costs about a second of CPU
 * each, the bundled worker a fraction of it. (The render pool's own test keeps the tsx worker.)
 */
export default async function setup(project: TestProject) {
  // Inside node_modules, so that the bundles' imports of packages resolve as the sources' do.
  const dir = join(import.meta.dirname, "..", "..", "node_modules", ".cache", `herald-test-${randomUUID()}`);
  await bundleHerald(dir);
  project.provide("heraldBundle", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
