import type { HeraldEvent } from "../events/event";
import { FormatError, type Rendered } from "../formats/format";
import { findFormat } from "../formats/registry";
import { syslogEnvelope, syslogOptionsSchema } from "../formats/syslog";
import type { WebhookRow } from "../store/webhooks";
import type { TemplateEngine } from "../templates/engine";
import { carriesSyslog } from "../transports/registry";

/** The parts of a webhook that decide what it sends. */
export type RenderSettings = Pick<WebhookRow, "format" | "options" | "template" | "url" | "syslog">;

/** How many events one request to this webhook may carry: its format's batch, one over syslog. */
export function eventsPerRequest(webhook: Pick<WebhookRow, "format" | "url">): number {
  if (carriesSyslog(webhook.url)) return 1;
  return findFormat(webhook.format)?.maxBatch ?? 1;
}

/**
 * What a webhook sends for `events`: its format through its template, and, when its URL is a
 * syslog destination and the format is not syslog itself, that payload as the MSG of a syslog
 * message (which is how QRadar and ArcSight connectors take CEF and LEEF). Pure, like formats.
 */
export function renderForWebhook(
  webhook: RenderSettings,
  events: HeraldEvent[],
  templates: TemplateEngine,
  now: Date,
  maxBytesPerEvent: number,
): Rendered {
  const rendered = renderPayload(webhook, events, templates, now);
  const bytes = Buffer.byteLength(rendered.body);
  // A batch may carry as much per event as a single event may.
  const limit = maxBytesPerEvent * events.length;
  if (bytes > limit) {
    throw new FormatError(
      `the rendered payload is ${bytes} bytes, over the limit of ${limit} (HERALD_MAX_RENDER_BYTES per event)`,
    );
  }
  return rendered;
}

function renderPayload(
  webhook: RenderSettings,
  events: HeraldEvent[],
  templates: TemplateEngine,
  now: Date,
): Rendered {
  const format = findFormat(webhook.format);
  if (!format) throw new FormatError(`unknown format "${webhook.format}"`);
  const options = format.optionsSchema.parse(webhook.options);
  const template = templates.compile(webhook.template ?? templates.defaultSource(format.name));
  const rendered = format.render({ events, options, template, now });
  if (format.name === "syslog" || !carriesSyslog(webhook.url)) return rendered;

  const [event] = events;
  if (!event || events.length > 1) throw new FormatError("a syslog destination takes one event per message");
  const envelope = syslogEnvelope(
    event,
    rendered.body,
    syslogOptionsSchema.parse(webhook.syslog?.envelope ?? {}),
    {
      rfc: webhook.syslog?.rfc ?? "5424",
    },
  );
  return {
    contentType: "text/plain",
    body: envelope.message,
    warnings: [...rendered.warnings, ...envelope.warnings],
  };
}
