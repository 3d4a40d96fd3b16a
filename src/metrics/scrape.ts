import type { Registry } from "prom-client";

/** The registry in the Prometheus text format, as an HTTP answer. */
export async function scrape(registry: Registry): Promise<Response> {
  const body = await registry.metrics();
  return new Response(body, { status: 200, headers: { "content-type": registry.contentType } });
}
