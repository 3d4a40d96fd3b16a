// `npm start`: Herald as plain JavaScript. Under tsx every module is compiled on load and kept
// with its source map, in the main thread and again in each render worker (each with its own
// loader thread), which costs about 85 MiB in the main thread and 30 MiB per worker. Here
// esbuild bundles the server and the render worker once (well under a second), and Node runs
// the bundles. Packages stay external, loaded from node_modules as usual.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const SRC = import.meta.dirname;
/** Inside node_modules, so that the bundles' imports of packages resolve as the sources' do. */
const OUT = join(SRC, "..", "node_modules", ".cache", "herald");

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

const { outputFiles } = await build({
  // The pool starts `./worker-boot.mjs` beside its own module: beside the bundle, that is the
  // bundled worker (in the sources, the file that loads the worker through tsx).
  entryPoints: { main: join(SRC, "main.ts"), "worker-boot": join(SRC, "rendering", "worker.ts") },
  outdir: OUT,
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
mkdirSync(OUT, { recursive: true });
for (const file of outputFiles) {
  const partial = `${file.path}.${process.pid}`;
  writeFileSync(partial, file.contents);
  renameSync(partial, file.path);
}
await import(pathToFileURL(join(OUT, "main.mjs")).href);
