import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { Hono } from "hono";
import { NotFoundError } from "../errors";
import { OPENAPI_PATH } from "./openapi/document";

/** The files of swagger-ui-dist the page uses, served from node_modules: nothing comes from a CDN. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Herald API reference</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// No validator badge: Swagger UI would send the document to validator.swagger.io for it.
const INIT = `window.addEventListener("load", () => {
  SwaggerUIBundle({ url: "${OPENAPI_PATH}", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null });
});
`;

/** Only Herald's own origin: the page can neither load nor send anything elsewhere. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // Swagger UI sets style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** GET /docs: the OpenAPI document as an interactive reference (Swagger UI), public like the document. */
export function docsRoutes() {
  const app = new Hono();
  const resolve = createRequire(import.meta.url).resolve;

  app.get("/docs", (c) => {
    c.header("content-security-policy", CONTENT_SECURITY_POLICY);
    return c.html(PAGE);
  });
  app.get("/docs/init.js", (c) => c.body(INIT, 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    const contentType = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!contentType) throw new NotFoundError(`no file ${file} in /docs/assets`);
    const body = await readFile(resolve(`swagger-ui-dist/${file}`));
    return c.body(body, 200, { "content-type": contentType, "cache-control": "public, max-age=3600" });
  });
  return app;
}
