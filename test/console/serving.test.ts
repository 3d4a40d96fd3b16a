import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConsoleBundle } from "../../src/console/build";
import { consoleRoutes } from "../../src/console/routes";
import { startTestGateway, type TestGateway } from "../support/gateway";

const MAX_GZIPPED_JS = 300 * 1024;

function assetPaths(page: string): string[] {
  return [...page.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((match) => match[1] as string);
}

function expectSecurityHeaders(response: Response) {
  const policy = response.headers.get("content-security-policy") ?? "";
  expect(policy).toContain("default-src 'self'");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).toContain("script-src 'self'");
  expect(policy).toContain("style-src 'self'");
  expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
}

describe("serving the console", () => {
  let gateway: TestGateway;
  let page: string;

  beforeAll(async () => {
    gateway = await startTestGateway("pglite");
    page = await (await fetch(`${gateway.url}/`)).text();
  });
  afterAll(() => gateway.close());

  it("serves one page at / with a strict Content-Security-Policy, never cached without asking", async () => {
    const response = await fetch(`${gateway.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expectSecurityHeaders(response);
    const html = await response.text();
    // No inline script or style: the policy would refuse them.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)|<style|\sstyle=/);
  });

  it("serves its script, stylesheet and icon under hashed names, cached for good", async () => {
    const paths = assetPaths(page);
    expect(paths.map((path) => path.replace(/-[A-Z0-9]{8}\./, "-<hash>."))).toEqual([
      "/console/assets/icon-<hash>.svg",
      "/console/assets/console-<hash>.css",
      "/console/assets/main-<hash>.js",
    ]);
    for (const path of paths) {
      const response = await fetch(`${gateway.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expectSecurityHeaders(response);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
  });

  it("answers an unknown asset with 404, and leaves the API, health checks and docs where they were", async () => {
    const unknown = await fetch(`${gateway.url}/console/assets/main-AAAAAAAA.js`);
    expect(unknown.status).toBe(404);
    expectSecurityHeaders(unknown);
    expect((await fetch(`${gateway.url}/api/v1/webhooks`)).status).toBe(401);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it(`keeps the console's JavaScript within ${MAX_GZIPPED_JS / 1024} KB gzipped`, async () => {
    let gzipped = 0;
    let raw = 0;
    for (const path of assetPaths(page).filter((each) => each.endsWith(".js"))) {
      const body = new Uint8Array(await (await fetch(`${gateway.url}${path}`)).arrayBuffer());
      raw += body.byteLength;
      gzipped += gzipSync(body).byteLength;
    }
    console.log(
      `console JavaScript: ${(raw / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzipped`,
    );
    expect(gzipped).toBeGreaterThan(0);
    expect(gzipped).toBeLessThanOrEqual(MAX_GZIPPED_JS);
  });
});

describe("bundling the console", () => {
  const bundle: ConsoleBundle = {
    script: "/console/assets/main-AAAAAAAA.js",
    stylesheet: "/console/assets/console-BBBBBBBB.css",
    icon: "/console/assets/icon-CCCCCCCC.svg",
    assets: new Map(),
  };

  it("happens on the first request, once per routes instance, even for requests at the same time", async () => {
    let builds = 0;
    const routes = consoleRoutes(async () => {
      builds += 1;
      return bundle;
    });
    expect(builds).toBe(0);
    const answers = await Promise.all([routes.request("/"), routes.request("/"), routes.request("/")]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await routes.request("/console/assets/main-AAAAAAAA.js")).toHaveProperty("status", 404);
    expect(builds).toBe(1);
    // Another gateway's console is bundled by its own routes, when it is first asked for.
    consoleRoutes(async () => {
      builds += 1;
      return bundle;
    });
    expect(builds).toBe(1);
  });

  it("is tried again on the next request after a failure", async () => {
    let builds = 0;
    const routes = consoleRoutes(async () => {
      builds += 1;
      if (builds === 1) throw new Error("esbuild failed");
      return bundle;
    });
    routes.onError((error) => new Response(error.message, { status: 500 }));
    expect((await routes.request("/")).status).toBe(500);
    expect((await routes.request("/")).status).toBe(200);
    expect(builds).toBe(2);
  });
});
