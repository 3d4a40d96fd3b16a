import { renderForWebhook } from "../../src/delivery/render";
import type { HeraldEvent } from "../../src/events/event";
import type { Rendered } from "../../src/formats/format";
import { truncateChars } from "../../src/text";
import { parseCef } from "./parsers/cef";
import { parseLeef } from "./parsers/leef";
import { parseRfc5424, type SyslogMessage } from "./parsers/rfc5424";
import { engine, NOW } from "./render";

// Rendering events the way a syslog webhook sends them, and reading back what identifies the
// event: for the suites that prove a message fitted into one UDP datagram still parses.

/** The formats that travel over syslog. */
export const SYSLOG_FORMATS = ["syslog", "cef", "leef", "json"] as const;
export type SyslogFormatName = (typeof SYSLOG_FORMATS)[number];

/** The datagram sizes the fitting is proven at: the schema's minimum, and two common limits. */
export const DATAGRAM_SIZES = [480, 1024, 2048] as const;

export interface SyslogWebhook {
  format: SyslogFormatName;
  url: string;
  maxMessageBytes: number;
  /** The syslog format's options, or the envelope of the others (procid, …). */
  envelope?: Record<string, unknown>;
  rfc?: "5424" | "3164";
}

/** What a syslog webhook renders for one event: the format, then the syslog destination's frame. */
export function renderSyslog(webhook: SyslogWebhook, event: HeraldEvent): Rendered {
  const isSyslog = webhook.format === "syslog";
  const syslog = {
    framing: "octet-counting",
    max_message_bytes: webhook.maxMessageBytes,
    rfc: webhook.rfc ?? "5424",
    envelope: isSyslog ? {} : (webhook.envelope ?? {}),
  };
  return renderForWebhook(
    {
      format: webhook.format,
      options: isSyslog ? (webhook.envelope ?? {}) : {},
      template: null,
      destination: { kind: "syslog", tls: null, syslog },
      url: webhook.url,
    },
    [event],
    engine,
    NOW,
    4 * 1024 * 1024,
  );
}

/** The event's id, type, severity and source as a receiver reads them from one message. */
export interface Identity {
  id: string | undefined;
  type: string | undefined;
  severity: string | undefined;
  source: string | undefined;
}

export const SD_ID = "herald@32473";

/** The herald SD-ELEMENT's params by name. */
export function sdParams(message: SyslogMessage): Map<string, string> {
  return new Map(message.structuredData.find((element) => element.id === SD_ID)?.params ?? []);
}

/** Where each format carries the event's identity: SD-PARAMs, CEF, LEEF or JSON fields in MSG. */
export function identityInMsg(format: SyslogFormatName, msg: string): Identity {
  switch (format) {
    case "cef": {
      const cef = parseCef(msg);
      const { externalId, sourceServiceName } = cef.extension;
      return { id: externalId, type: cef.classId, severity: cef.severity, source: sourceServiceName };
    }
    case "leef": {
      const leef = parseLeef(msg);
      const { id, sev, cat } = leef.attributes;
      return { id, type: leef.eventId, severity: sev, source: cat };
    }
    default: {
      const json = JSON.parse(msg);
      return { id: json.id, type: json.event_type, severity: json.severity, source: json.source };
    }
  }
}

/** The identity a strict RFC 5424 parser (and the MSG's own parser) reads from `message`. */
export function identityOf(format: SyslogFormatName, message: string): Identity {
  const parsed = parseRfc5424(message);
  if (format !== "syslog") return identityInMsg(format, parsed.msg ?? "");
  const params = sdParams(parsed);
  return {
    id: params.get("id"),
    type: params.get("type"),
    severity: params.get("severity"),
    source: params.get("source"),
  };
}

/** A name as the fitting's warning writes it: cut to 40 characters, control characters escaped. */
export const warningName = (name: string) => JSON.stringify(truncateChars(name, 40)).slice(1, -1);
