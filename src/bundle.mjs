// esbuild bundles the server and the render worker, each into one file Node runs as it is:
// `npm start` runs these (src/launch.mjs), and so do the test suites' gateways. Under tsx every
// module is compiled on load and kept with its source map, in the main thread and again in each
// render worker (each with its own loader thread): about 85 MiB in the main thread, 30 MiB and
// a second of CPU per worker. Packages stay external, loaded from node_modules as usual.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { build } from "esbuild";

const SRC = import.meta.dirname;

/**
 * Each module keeps its own directory: `import.meta.dirname` is written into it as the source
 * file's (the templates, the migrations and the console's sources are found from there).
 */
const sourceDirnames = {
  name: "source-dirnames",
  setup(onBuild) {
    onBuild.onLoad({ filter: /\.ts$/ }, async ({ path }) => ({
      contents: (await readFile(path, "utf8")).replaceAll(
        "import.meta.dirname",
        JSON.stringify(dirname(path)),
      ),
      loader: "ts",
    }));
  },
};

/**
 * Writes `main.mjs` (the CLI and server) and `worker-boot.mjs` (the render worker) into `outDir`,
 * which must be inside the checkout's node_modules for the bundles' imports of packages to
 * resolve as the sources' do.
 */
export async function bundleHerald(outDir) {
  const { outputFiles } = await build({
    // The pool starts `./worker-boot.mjs` beside its own module: beside the bundle, that is the
    // bundled worker (in the sources, the file that loads the worker through tsx).
    entryPoints: { main: join(SRC, "main.ts"), "worker-boot": join(SRC, "rendering", "worker.ts") },
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    plugins: [sourceDirnames],
    logLevel: "warning",
    write: false,
  });
  // Processes starting together each build: each file is written whole under a name of its own,
  // then renamed into place, so that none imports a file another is halfway through writing.
  mkdirSync(outDir, { recursive: true });
  for (const file of outputFiles) {
    const partial = `${file.path}.${process.pid}`;
    writeFileSync(partial, file.contents);
    renameSync(partial, file.path);
  }
}
