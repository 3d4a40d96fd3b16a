import type { Registry } from "prom-client";

/** The registry in the Prometheus text format, as an HTTP answer. */
export async function scrape(registry: Registry): Promise<Response> {
  const body = await registry.metrics();
  return new Response(body, { status: 200, headers: { "content-type": registry.contentType } });
}

/**
 * `read`, asked at most once at a time: the gauges that show one query's answer collect in the
 * same tick of a scrape, so the first starts it and the others share it. A failed read is
 * reported to `onError` and answers `fallback`, so that one scrape shows nothing rather than fails.
 */
export function sharedRead<T>(read: () => Promise<T>, fallback: T, onError: (error: unknown) => void) {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= read()
      .catch((error: unknown) => {
        onError(error);
        return fallback;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
