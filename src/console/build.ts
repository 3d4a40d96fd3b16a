import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/** Where the console's bundled files are served; their names carry a hash of their content. */
export const ASSET_PREFIX = "/console/assets/";

export interface ConsoleAsset {
  contentType: string;
  body: Uint8Array<ArrayBuffer>;
  /** The same body gzipped, for clients that accept it. */
  gzipped: Uint8Array<ArrayBuffer>;
}

export interface ConsoleBundle {
  /** URL paths of the entry script, its stylesheet and the icon, for the page. */
  script: string;
  stylesheet: string;
  icon: string;
  /** Every asset by its file name (what follows ASSET_PREFIX). */
  assets: Map<string, ConsoleAsset>;
}

const CONTENT_TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

const appFile = (name: string) => join(import.meta.dirname, "app", name);

/**
 * Bundles the client (src/console/app: TypeScript and Preact from main.tsx, console.css and the
 * icon) in memory with esbuild, so that a fresh clone needs no build step of its own.
 */
export async function buildConsole(): Promise<ConsoleBundle> {
  const result = await build({
    entryPoints: [appFile("main.tsx"), appFile("console.css"), appFile("icon.svg")],
    loader: { ".svg": "copy" },
    tsconfig: appFile("tsconfig.json"),
    bundle: true,
    write: false,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    charset: "utf8",
    // Only names: nothing is written there.
    outdir: "/console",
    entryNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    logLevel: "silent",
  });
  const assets = new Map<string, ConsoleAsset>();
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    const contentType = CONTENT_TYPES[name.slice(name.lastIndexOf(".") + 1)];
    if (!contentType) throw new Error(`the console bundle holds ${name}, of no known content type`);
    const body = new Uint8Array(file.contents);
    assets.set(name, { contentType, body, gzipped: new Uint8Array(gzipSync(body)) });
  }
  const named = (entry: string, extension: string) => {
    const name = [...assets.keys()].find((each) => each.startsWith(`${entry}-`) && each.endsWith(extension));
    if (!name) throw new Error(`the console bundle has no ${entry}${extension}`);
    return `${ASSET_PREFIX}${name}`;
  };
  return {
    script: named("main", ".js"),
    stylesheet: named("console", ".css"),
    icon: named("icon", ".svg"),
    assets,
  };
}
