import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
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
  const cache = join(import.meta.dirname, "..", "..", "node_modules", ".cache");
  removeLeftovers(cache);
  const dir = join(cache, `${PREFIX}${randomUUID()}`);
  await bundleHerald(dir);
  project.provide("heraldBundle", dir);
  // In watch mode, a rerun runs the sources as they are now: the bundle too.
  project.onTestsRerun(() => bundleHerald(dir));
  return () => rmSync(dir, { recursive: true, force: true });
}

const PREFIX = "herald-test-";
/** Another run may be going on in this checkout: only bundles a day old are a killed run's. */
const LEFTOVER_AGE_MS = 24 * 3600 * 1000;

function removeLeftovers(cache: string) {
  if (!existsSync(cache)) return;
  for (const name of readdirSync(cache)) {
    const path = join(cache, name);
    if (name.startsWith(PREFIX) && Date.now() - statSync(path).mtimeMs > LEFTOVER_AGE_MS) {
      rmSync(path, { recursive: true, force: true });
    }
  }
}
