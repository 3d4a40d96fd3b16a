import type { Context } from "hono";
import { Hono } from "hono";
import { errorBody } from "../api/error-answers";
import { ASSET_PREFIX, buildConsole, type ConsoleBundle } from "./build";
import { consolePage } from "./page";

/**
 * Same origin only, no inline script or style, no eval, never framed. Everything the page needs
 * (its script, its stylesheet, the API) comes from this origin.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

function setSecurityHeaders(c: Context): void {
  c.header("Content-Security-Policy", CONSOLE_CSP);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
}

/**
 * The operator console: `GET /` is its page, `GET /console/assets/<name>-<hash>.js|css` its files,
 * cached for good since a change gives them new names. The client is bundled on the first request
 * to either and kept by this instance: a gateway whose console is never opened never bundles it.
 */
export function consoleRoutes(bundleConsole: () => Promise<ConsoleBundle> = buildConsole) {
  const app = new Hono();
  let bundle: Promise<ConsoleBundle> | undefined;
  const bundled = () => {
    bundle ??= bundleConsole().catch((error: unknown) => {
      // The next request tries again rather than keeping the failure.
      bundle = undefined;
      throw error;
    });
    return bundle;
  };

  app.get("/", async (c) => {
    const page = consolePage(await bundled());
    setSecurityHeaders(c);
    c.header("Cache-Control", "no-cache");
    return c.html(page);
  });

  app.get(`${ASSET_PREFIX}:file`, async (c) => {
    const asset = (await bundled()).assets.get(c.req.param("file"));
    setSecurityHeaders(c);
    if (!asset) return c.json(errorBody("not_found", `no console asset ${c.req.param("file")}`), 404);
    const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
    c.header("Content-Type", asset.contentType);
    c.header("Cache-Control", "public, max-age=31536000, immutable");
    c.header("Vary", "Accept-Encoding");
    if (gzip) c.header("Content-Encoding", "gzip");
    return c.body(gzip ? asset.gzipped : asset.body);
  });

  return app;
}
