import {
  escapeParamValue,
  SYSLOG_SEVERITIES,
  type SyslogOptions,
  syslogEnvelope,
  syslogOptionsSchema,
} from "../destinations/syslog/envelope";
import type { HeraldEvent } from "../events/event";
import type { Severity } from "../events/severity";
import { flattenObject, valueText } from "../text";
import { type Format, templateContext } from "./format";

// RFC 5424 with the event in structured data and the template as MSG. The envelope is the syslog
// destination's (src/destinations/syslog/envelope.ts): the same for this format over HTTP.

/** The event as SD-PARAMs: its fields, then its data flattened to data.<path> (null as ""). */
function eventParams(event: HeraldEvent): [string, string][] {
  const params: [string, string][] = [
    ["id", event.id],
    ["type", event.type],
    ["source", event.source],
    ["severity", event.severity],
  ];
  if (event.subject !== null) params.push(["subject", event.subject]);
  for (const [path, value] of Object.entries(flattenObject(event.data))) {
    params.push([`data.${path}`, valueText(value)]);
  }
  return params;
}

export const syslogFormat: Format<SyslogOptions> = {
  name: "syslog",
  description: "RFC 5424 syslog message: event fields and data as structured data, the template as MSG",
  contentType: "text/plain; charset=utf-8",
  allowsContentTypeHeader: true,
  completeSyslogMessage: true,
  optionsSchema: syslogOptionsSchema,
  helpers: {
    /** An SD-PARAM value: ", \ and ] escaped. */
    sdParam: (value: unknown) => escapeParamValue(valueText(value)),
    /** A Herald severity as a syslog severity code (critical 2 … info 6). */
    syslogSeverity: (severity: unknown) => {
      const key = String(severity);
      return Object.hasOwn(SYSLOG_SEVERITIES, key) ? String(SYSLOG_SEVERITIES[key as Severity]) : "";
    },
  },
  render({ event, options, template, suppressed }) {
    // MSG is free text to the end of the message: no template output can break the envelope.
    const msg = template(templateContext(event, options, suppressed));
    const { message, warnings } = syslogEnvelope(event, msg, options, {
      rfc: "5424",
      structuredData: eventParams(event),
    });
    return { contentType: "text/plain; charset=utf-8", body: message, warnings: [...new Set(warnings)] };
  },
};
