/** Writes Herald's bundles, `main.mjs` and `worker-boot.mjs`, into `outDir` (see bundle.mjs). */
export function bundleHerald(outDir: string): Promise<void>;
