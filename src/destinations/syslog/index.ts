import { z } from "zod";
import { FormatError } from "../../formats/format";
import type { Destination } from "../destination";
import { TLS_SECRET_PATH, tlsSettingsSchema } from "../tls";
import { syslogEnvelope, syslogOptionsSchema } from "./envelope";
import { datagramLimit, fitCompleteMessage, fitEnvelope } from "./fit";
import {
  createSyslogSender,
  DEFAULT_UDP_MAX_MESSAGE_BYTES,
  MAX_UDP_MESSAGE_BYTES,
  type SyslogSocketSettings,
} from "./sender";

const syslogSettingsSchema = z.strictObject({
  /** tls: server verification and client certificate. Default: verify against Node's CAs. */
  tls: tlsSettingsSchema.nullable().default(null),
  /** Framing, datagram size and the envelope. Default (null): each setting's default. */
  syslog: z
    .strictObject({
      framing: z.enum(["octet-counting", "lf"]).default("octet-counting"),
      max_message_bytes: z
        .number()
        .int()
        .min(480)
        .max(MAX_UDP_MESSAGE_BYTES)
        .default(DEFAULT_UDP_MAX_MESSAGE_BYTES),
      /** How a cef, leef or json payload is wrapped: RFC 5424, or the older BSD format of RFC 3164. */
      rfc: z.enum(["5424", "3164"]).default("5424"),
      /**
       * Header fields of that wrapping (facility, hostname, app_name, …): the syslog format's
       * options. Kept as written, checked here, parsed when a message is framed.
       */
      envelope: z
        .record(z.string(), z.unknown())
        .default({})
        .superRefine((envelope, context) => {
          const parsed = syslogOptionsSchema.safeParse(envelope);
          for (const issue of parsed.error?.issues ?? []) {
            context.addIssue({ code: "custom", path: issue.path as PropertyKey[], message: issue.message });
          }
        }),
    })
    .nullable()
    .default(null),
});
type SyslogSettings = z.infer<typeof syslogSettingsSchema> & SyslogSocketSettings;

/**
 * Syslog over UDP, TCP and TLS. A format that renders a complete syslog message (the syslog
 * format) goes as it is; any other (cef, leef, json) goes as the MSG of an RFC 5424 (or 3164)
 * message, which is how QRadar and ArcSight connectors take CEF and LEEF. One event per message.
 */
export const syslogDestination: Destination<SyslogSettings> = {
  kind: "syslog",
  description: "Syslog: RFC 5424 or 3164 messages over UDP (RFC 5426), TCP (RFC 6587) or TLS (RFC 5425)",
  schemes: ["udp:", "tcp:", "tls:"],
  settingsSchema: syslogSettingsSchema,
  secretPaths: [TLS_SECRET_PATH],
  maxEventsPerRequest: 1,
  sendsHeaders: false,
  frame({ rendered, events, format, settings, url }) {
    // Over UDP a message longer than max_message_bytes is fitted here, structurally.
    const maxBytes = datagramLimit(url, settings);
    if (format.completeSyslogMessage) {
      if (maxBytes === undefined) return rendered;
      const fitted = fitCompleteMessage(rendered.body, maxBytes);
      return { ...rendered, body: fitted.message, warnings: [...rendered.warnings, ...fitted.warnings] };
    }
    const [event] = events;
    if (!event || events.length > 1)
      throw new FormatError("a syslog destination takes one event per message");
    const options = syslogOptionsSchema.parse(settings.syslog?.envelope ?? {});
    const rfc = settings.syslog?.rfc ?? "5424";
    const wrap = (msg: string) => syslogEnvelope(event, msg, options, { rfc });
    const envelope =
      maxBytes === undefined ? wrap(rendered.body) : fitEnvelope(rendered.body, maxBytes, wrap);
    return {
      contentType: "text/plain",
      body: envelope.message,
      warnings: [...rendered.warnings, ...envelope.warnings],
    };
  },
  open: (context) => createSyslogSender(context),
};
