import { expect } from "vitest";
import { renderForWebhook } from "../../src/delivery/render";
import type { HeraldEvent } from "../../src/events/event";
import { renderBatch } from "../../src/formats/batch";
import type { Format } from "../../src/formats/format";
import { FORMATS } from "../../src/formats/registry";
import type { RenderPool } from "../../src/rendering/pool";
import { createTemplateEngine } from "../../src/templates/handlebars";
import { fixtureEvent } from "./fixtures";

/** The template engine with every format's helpers, as the gateway builds it. */
export const engine = createTemplateEngine(FORMATS);

/**
 * Renders on the calling thread, for suites about the queue rather than templates: the gateway
 * renders in worker threads (src/rendering/pool.ts), which its own suites cover.
 */
export function inProcessRenderer(maxBytesPerEvent = 1024 * 1024): Pick<RenderPool, "render"> {
  return {
    render: async (webhook, events, now, suppressed) =>
      renderForWebhook(webhook, events, engine, now, maxBytesPerEvent, undefined, suppressed),
  };
}

/** The send time every format test renders at. */
export const NOW = new Date("2026-11-23T12:00:00Z");

/** Renders events with a format: options through its schema, its default template unless given a source. */
export function renderEvents<Options>(
  format: Format<Options>,
  events: HeraldEvent[],
  options: object = {},
  source = engine.defaultSource(format.name),
) {
  return renderBatch(format, events, format.optionsSchema.parse(options), engine.compile(source), NOW);
}

/** Renders one event with a format, as `renderEvents` does. */
export function renderWith<Options>(
  format: Format<Options>,
  event: HeraldEvent,
  options: object = {},
  source = engine.defaultSource(format.name),
) {
  return renderEvents(format, [event], options, source);
}

/** A fixture event with some of its fields replaced. */
export function fixtureWith(name: string, overrides: Partial<HeraldEvent>): HeraldEvent {
  return { ...fixtureEvent(name), ...overrides };
}

/** `actual` is `original` cut to `max` characters with "…", whole characters only. */
export function expectCut(actual: string | undefined, original: string, max: number) {
  const chars = Array.from(actual ?? "");
  expect(chars).toHaveLength(max);
  expect(chars.at(-1)).toBe("…");
  expect(original.startsWith(chars.slice(0, -1).join(""))).toBe(true);
}
