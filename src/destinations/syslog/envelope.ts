import { z } from "zod";
import type { HeraldEvent } from "../../events/event";
import type { Severity } from "../../events/severity";
import { characterReplacer, formatDate, truncateChars } from "../../text";
import { FACILITIES } from "./facilities";

// RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]
// RFC 3164: <PRI>Mmm dd hh:mm:ss HOSTNAME TAG: MSG
// The syslog format renders its events with this envelope; the syslog destination wraps any
// other format's rendering (cef, leef, json) in it as MSG.

/** Herald's scale on syslog's (RFC 5424 table 2): 2 Critical, 3 Error, 4 Warning, 5 Notice, 6 Informational. */
export const SYSLOG_SEVERITIES: Record<Severity, number> = {
  critical: 2,
  high: 3,
  medium: 4,
  low: 5,
  info: 6,
};

const NILVALUE = "-";
const BOM = "\uFEFF";
/** PRINTUSASCII, %d33-126: what header fields and SD names are made of. */
const PRINTABLE = /^[!-~]+$/;
/** Any one character (a code point, with u) outside PRINTUSASCII. */
const NOT_PRINTABLE = /[^!-~]/gu;
/** SD-NAMEs (SD-ID, PARAM-NAME) are printable but for these, and at most 32 characters. */
const NOT_IN_SD_NAME = /[=\]"]/g;
const MAX_SD_NAME_LENGTH = 32;

const FACILITY_ERROR =
  "must be a facility name (kern, user, mail, daemon, auth, …, local0–local7) or a code 0–23";
const headerField = (maxLength: number) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .regex(PRINTABLE, "must be printable US-ASCII without spaces (codes 33–126)");

export const syslogOptionsSchema = z
  .object({
    /** A name (local0…) or a code 0–23; parsed to the code. */
    facility: z
      .union([z.enum(FACILITIES), z.number().int().min(0, FACILITY_ERROR).max(23, FACILITY_ERROR)], {
        error: FACILITY_ERROR,
      })
      .default("local0")
      .transform((facility) => (typeof facility === "number" ? facility : FACILITIES.indexOf(facility))),
    hostname: headerField(255).default("herald"),
    app_name: headerField(48).default("herald"),
    /** Absent: "-". */
    procid: headerField(128).optional(),
    /** Absent: the event type, made printable and cut to 32 characters. */
    msgid: headerField(32).optional(),
    sd_name: z
      .string()
      .regex(PRINTABLE, "must be printable US-ASCII without spaces")
      .refine((name) => !/[@=\]"]/.test(name), 'must not contain @ = ] or "')
      .default("herald"),
    /** IANA Private Enterprise Number of the SD-ID; 32473 is the one reserved for examples (RFC 5612). */
    enterprise_number: z.number().int().nonnegative().default(32473),
    /** Start MSG with a UTF-8 byte order mark, which tells the receiver MSG is UTF-8 (RFC 5424 6.4). */
    bom: z.boolean().default(false),
  })
  .strict()
  .superRefine((options, context) => {
    if (sdId(options).length > MAX_SD_NAME_LENGTH) {
      context.addIssue({
        code: "custom",
        path: ["sd_name"],
        message: "sd_name@enterprise_number must be at most 32 characters",
      });
    }
  });
export type SyslogOptions = z.infer<typeof syslogOptionsSchema>;

export interface EnvelopeSettings {
  rfc: "5424" | "3164";
  /**
   * SD-PARAMs of one SD-ELEMENT [sd_name@enterprise_number …] (RFC 5424 only). Names are made
   * valid (with a warning), values escaped. Absent: no structured data ("-").
   */
  structuredData?: [name: string, value: string][];
}

function sdId(options: { sd_name: string; enterprise_number: number }): string {
  return `${options.sd_name}@${options.enterprise_number}`;
}

/** PARAM-VALUE: ", \ and ] escaped with a backslash (RFC 5424 6.3.3). */
export const escapeParamValue = characterReplacer({ '"': '\\"', "\\": "\\\\", "]": "\\]" });

/**
 * `text` made of printable US-ASCII (anything else, and `alsoReplace` (a global pattern), as "_")
 * and cut to `maxLength`, with a warning naming `what` when it changed.
 */
function printable(
  what: string,
  text: string,
  maxLength: number,
  warnings: string[],
  alsoReplace?: RegExp,
): string {
  const replaced = text.replace(NOT_PRINTABLE, "_");
  const safe = (alsoReplace ? replaced.replace(alsoReplace, "_") : replaced).slice(0, maxLength) || "_";
  if (safe !== text) {
    warnings.push(`${what} ${JSON.stringify(truncateChars(text, 40))} written as ${JSON.stringify(safe)}`);
  }
  return safe;
}

function pri(event: HeraldEvent, options: SyslogOptions): string {
  return `<${options.facility * 8 + SYSLOG_SEVERITIES[event.severity]}>`;
}

function structuredData(options: SyslogOptions, params: [string, string][], warnings: string[]): string {
  const sdParams = params.map(([name, value]) => {
    const safeName = printable("SD-PARAM name", name, MAX_SD_NAME_LENGTH, warnings, NOT_IN_SD_NAME);
    return ` ${safeName}="${escapeParamValue(value)}"`;
  });
  return `[${sdId(options)}${sdParams.join("")}]`;
}

/**
 * Wraps an already-rendered MSG (a CEF or LEEF line, JSON, text) into one syslog message for
 * `event`: RFC 5424 with TIMESTAMP (RFC 3339, milliseconds, UTC) from the event's time, or
 * RFC 3164 with the event's time in UTC. Sizes are the sender's business (it knows UDP from TCP).
 */
export function syslogEnvelope(
  event: HeraldEvent,
  msg: string,
  options: SyslogOptions,
  settings: EnvelopeSettings,
): { message: string; warnings: string[] } {
  const warnings: string[] = [];
  if (settings.rfc === "3164") {
    // RFC 3164 4.1.3: the TAG is at most 32 characters; the process id follows it in brackets.
    const tag = printable("TAG (app_name)", options.app_name, 32, warnings);
    const procid = options.procid ? `[${options.procid}]` : "";
    const timestamp = formatDate(event.time, "rfc3164");
    return {
      message: `${pri(event, options)}${timestamp} ${options.hostname} ${tag}${procid}: ${msg}`,
      warnings,
    };
  }
  // RFC 3339 in UTC with milliseconds: within RFC 5424's six fractional digits.
  const timestamp = new Date(event.time).toISOString();
  const msgid = options.msgid ?? printable("MSGID (event type)", event.type, 32, warnings);
  const header = [
    `${pri(event, options)}1`,
    timestamp,
    options.hostname,
    options.app_name,
    options.procid ?? NILVALUE,
    msgid,
  ].join(" ");
  const sd = settings.structuredData ? structuredData(options, settings.structuredData, warnings) : NILVALUE;
  const body = options.bom ? BOM + msg : msg;
  return { message: body === "" ? `${header} ${sd}` : `${header} ${sd} ${body}`, warnings };
}
