import { DESTINATIONS, findDestination } from "../destinations/registry";
import type { HeraldEvent } from "../events/event";
import { formatBatchSize, renderBatch } from "../formats/batch";
import { leadEvent } from "../formats/digest";
import { FormatError, type Rendered } from "../formats/format";
import type { KeyFieldTable } from "../formats/key-fields";
import { FORMATS, findFormat } from "../formats/registry";
import type { WebhookRow } from "../store/webhooks";
import type { TemplateEngine } from "../templates/handlebars";
import { readFlow } from "../webhooks/flow";
import { groupValues } from "../webhooks/group";

/**
 * The parts of a webhook that decide what it sends. `flow` says whether it sends digests; absent
 * (a preview, the render workers' warm-up): it does not.
 */
export type RenderSettings = Pick<WebhookRow, "format" | "options" | "template" | "destination" | "url"> &
  Partial<Pick<WebhookRow, "flow">>;

/**
 * Only what a render reads, out of a webhook's row: what goes to a render worker is copied
 * (structured clone), and the whole row (secrets, headers, counters) cost the engine's thread
 * a tenth of its time at full rate.
 */
export function renderSettingsOf({
  format,
  options,
  template,
  destination,
  url,
  flow,
}: RenderSettings): RenderSettings {
  return { format, options, template, destination, url, flow };
}

/**
 * Whether this webhook sends a digest per group: it groups, its format can say several events at
 * once, and its destination carries more than one event per message (syslog frames each event
 * as a message of its own: a grouping syslog webhook sends its groups' events one by one).
 */
export function sendsDigests(webhook: Pick<WebhookRow, "format" | "flow" | "destination">): boolean {
  return (
    readFlow(webhook.flow).group !== null &&
    findFormat(webhook.format)?.digest === true &&
    DIGEST_DESTINATION_KINDS.includes(webhook.destination.kind)
  );
}

/** The destination kinds that can carry a digest: those that take more than one event per message. */
const DIGEST_DESTINATION_KINDS = DESTINATIONS.filter(
  (destination) => destination.maxEventsPerRequest !== 1,
).map((destination) => destination.kind);

/** The formats and destination kinds that send digests, as sendsDigests decides it: what the claim is told. */
export function digestSenders(): { formats: string[]; kinds: string[] } {
  return {
    formats: FORMATS.filter((format) => format.digest).map((format) => format.name),
    kinds: DIGEST_DESTINATION_KINDS,
  };
}

/** How many events one request to this webhook may carry: its format's batch, capped by its destination. */
export function eventsPerRequest(webhook: Pick<WebhookRow, "format" | "destination">): number {
  const format = findFormat(webhook.format);
  const byFormat = format ? formatBatchSize(format) : 1;
  return Math.min(byFormat, findDestination(webhook.destination.kind)?.maxEventsPerRequest ?? byFormat);
}

/**
 * Events per request for every format and destination kind that batch, keyed "<format> <kind>":
 * what the claim multiplies a webhook's max_in_flight by.
 */
export function eventsPerRequestTable(): Record<string, number> {
  const table: Record<string, number> = {};
  for (const format of FORMATS) {
    for (const destination of DESTINATIONS) {
      const size = eventsPerRequest({ format: format.name, destination: { kind: destination.kind } });
      if (size > 1) table[`${format.name} ${destination.kind}`] = size;
    }
  }
  return table;
}

/**
 * What a webhook sends for `events`: its format through its template, framed by its destination
 * (a syslog destination wraps cef, leef or json as the MSG of a syslog message). Pure, like formats.
 * A webhook that sends digests (sendsDigests) sends several events as one message, its format
 * rendering them once as a digest (src/formats/digest.ts); one event renders as it would without
 * grouping. `suppressed`: the repeats dedup suppressed before this message, which its templates may show.
 */
export function renderForWebhook(
  webhook: RenderSettings,
  events: HeraldEvent[],
  templates: TemplateEngine,
  now: Date,
  maxBytesPerEvent: number,
  keyFields?: KeyFieldTable,
  suppressed = 0,
): Rendered {
  const format = findFormat(webhook.format);
  if (!format) throw new FormatError(`unknown format "${webhook.format}"`);
  const destination = findDestination(webhook.destination.kind);
  if (!destination) throw new FormatError(`unknown destination kind "${webhook.destination.kind}"`);
  const options = format.optionsSchema.parse(webhook.options);
  const template = templates.compile(webhook.template ?? templates.defaultSource(format.name));
  const digest = events.length > 1 && sendsDigests({ ...webhook, flow: webhook.flow ?? {} });
  const group = digest ? readFlow(webhook.flow).group : null;
  const rendered = group
    ? format.render({
        event: leadEvent(events),
        options,
        template,
        now,
        keyFields,
        suppressed,
        // Events are grouped by equal values at `by`, so the first event's are the group's.
        digest: { events, group: groupValues(events[0] as HeraldEvent, group.by) },
      })
    : renderBatch(format, events, options, template, now, keyFields, suppressed);
  const framed = destination.frame
    ? destination.frame({ rendered, events, format, settings: webhook.destination, url: webhook.url })
    : rendered;
  const bytes = Buffer.byteLength(framed.body);
  // A batch or a digest may carry as much per event as a single event may.
  const limit = maxBytesPerEvent * events.length;
  if (bytes > limit) {
    throw new FormatError(
      `the rendered payload is ${bytes} bytes, over the limit of ${limit} (HERALD_MAX_RENDER_BYTES per event)`,
    );
  }
  return framed;
}
