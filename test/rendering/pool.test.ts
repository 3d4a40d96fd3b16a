import { afterEach, describe, expect, it } from "vitest";
import type { RenderSettings } from "../../src/delivery/render";
import { DEFAULT_EVENT_CATALOG } from "../../src/events/catalog";
import type { HeraldEvent } from "../../src/events/event";
import { keyFieldTable } from "../../src/formats/key-fields";
import { createRenderPool, type RenderPool } from "../../src/rendering/pool";
import { RenderTimeoutError, TemplateError } from "../../src/templates/handlebars";
import { fixtureEvent, fixtureNames } from "../support/fixtures";

// The render pool with one real worker, so that the order renders finish in is the order the
// pool sent them: a webhook's waiting renders share a message, and a worker ends a message
// after 20 ms, handing the rest back to wait behind what is waiting.

/** Loops over data.rows twice nested before writing the object: tens of ms or more a render. */
const SLOW_TEMPLATE = '{{#each data.rows}}{{#each ../data.rows}}{{/each}}{{/each}}{"id": {{json id}} }';
const ROWS = Array.from({ length: 1500 }, (_, i) => i);

let pool: RenderPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

/** `timeoutMs`: by default long enough that no render here stops at the time limit. */
function startPool(timeoutMs = 20_000, workerUrl?: URL): RenderPool {
  pool = createRenderPool({
    workers: 1,
    timeoutMs,
    workerUrl,
    catalog: DEFAULT_EVENT_CATALOG,
    maxBytesPerEvent: 10_000_000,
    keyFields: keyFieldTable(),
  });
  return pool;
}

function jsonWebhook(template: string | null): RenderSettings {
  return {
    format: "json",
    options: {},
    template,
    destination: { kind: "http" },
    url: "https://receiver.invalid/hook",
  } as RenderSettings;
}

function event(id: string, data: Record<string, unknown> = {}): HeraldEvent {
  return { ...fixtureEvent(fixtureNames()[0] as string), id, data };
}

describe("the render pool", () => {
  it("answers each of a webhook's renders sent together with its own body", async () => {
    const renderer = startPool();
    const webhook = jsonWebhook(null);
    const ids = Array.from({ length: 40 }, (_, i) => `event-${i}`);
    const rendered = await Promise.all(ids.map((id) => renderer.render(webhook, [event(id)], new Date())));
    expect(rendered.map((each) => JSON.parse(each.body).id)).toEqual(ids);
  });

  it("lets another webhook's render through while a slow template's renders wait their turn", async () => {
    const renderer = startPool();
    const slow = jsonWebhook(SLOW_TEMPLATE);
    const finished: string[] = [];
    const render = (webhook: RenderSettings, id: string, data?: Record<string, unknown>) =>
      renderer.render(webhook, [event(id, data)], new Date()).then((rendered) => {
        finished.push(id);
        return JSON.parse(rendered.body).id;
      });
    const slowRenders = ["slow-1", "slow-2", "slow-3", "slow-4"].map((id) =>
      render(slow, id, { rows: ROWS }),
    );
    const other = render(jsonWebhook(null), "other");
    expect(await Promise.all([...slowRenders, other])).toEqual([
      "slow-1",
      "slow-2",
      "slow-3",
      "slow-4",
      "other",
    ]);
    // The slow webhook's four went to the worker together; the worker stopped after the first
    // and the other webhook's render, queued behind them, went next.
    expect(finished).toEqual(["slow-1", "other", "slow-2", "slow-3", "slow-4"]);
  });

  it("fails a render that ran out of time as a time-out, and a broken template as a template error", async () => {
    const renderer = startPool(50);
    const timedOut = renderer.render(jsonWebhook(SLOW_TEMPLATE), [event("slow", { rows: ROWS })], new Date());
    await expect(timedOut).rejects.toBeInstanceOf(RenderTimeoutError);
    await expect(timedOut).rejects.toThrow(/took longer than 50 ms/);
    const broken = renderer.render(jsonWebhook("{{#each}}"), [event("broken")], new Date());
    await expect(broken).rejects.toBeInstanceOf(TemplateError);
    await expect(broken).rejects.not.toBeInstanceOf(RenderTimeoutError);
  });

  it("fails a render as a time-out when its worker never answers (the pool's backstop)", async () => {
    const silent = new URL("../support/silent-render-worker.mjs", import.meta.url);
    const renderer = startPool(50, silent);
    const started = performance.now();
    const stuck = renderer.render(jsonWebhook(null), [event("stuck")], new Date());
    await expect(stuck).rejects.toBeInstanceOf(RenderTimeoutError);
    // The pool's backstop: 4x the limit, at least 2 s.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
  });
});
