// `npm start`: Herald as plain JavaScript, bundled by esbuild (src/bundle.mjs, well under a
// second) and run by Node.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { bundleHerald } from "./bundle.mjs";

/** Inside node_modules, so that the bundles' imports of packages resolve as the sources' do. */
const OUT = join(import.meta.dirname, "..", "node_modules", ".cache", "herald");

await bundleHerald(OUT);
await import(pathToFileURL(join(OUT, "main.mjs")).href);
