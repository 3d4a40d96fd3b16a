import type { HeraldEvent } from "../events/event";
import { type Format, FormatError, type Rendered, type RenderTemplate } from "./format";
import type { KeyFieldTable } from "./key-fields";

/** How many events one request in `format` may carry, as the format declares it. */
export function formatBatchSize(format: Pick<Format<unknown>, "batch">): number {
  return format.batch?.max ?? 1;
}

/**
 * One request's body for `events`: each event rendered on its own, joined as the format frames a
 * batch. The one place that holds a request to the number of events its format takes. The
 * `suppressed` count (dedup's repeats) goes with the first event only: it is the request's.
 */
export function renderBatch<Options>(
  format: Format<Options>,
  events: HeraldEvent[],
  options: Options,
  template: RenderTemplate,
  now: Date,
  keyFields?: KeyFieldTable,
  suppressed = 0,
): Rendered {
  const max = formatBatchSize(format);
  if (events.length === 0 || events.length > max) {
    const takes = max === 1 ? "one event per request" : `1 to ${max} events per request`;
    throw new FormatError(`the ${format.name} format takes ${takes}, not ${events.length}`);
  }
  const [first, ...rest] = events.map((event, index) =>
    format.render({ event, options, template, now, keyFields, suppressed: index === 0 ? suppressed : 0 }),
  );
  if (!first) throw new FormatError(`the ${format.name} format rendered nothing`);
  if (!format.batch) return first;
  // A batch is one request: a message in parts cannot be framed into it.
  if ([first, ...rest].some((rendered) => (rendered.parts?.length ?? 0) > 0)) {
    throw new FormatError(`the ${format.name} format batches events: it cannot send a message in parts`);
  }
  const { separator, terminator = "" } = format.batch;
  const bodies = [first.body, ...rest.map((rendered) => rendered.body)];
  const warnings = [...new Set([first, ...rest].flatMap((rendered) => rendered.warnings))];
  return { contentType: first.contentType, body: bodies.join(separator) + terminator, warnings };
}
