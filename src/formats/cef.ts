import { isIPv4 } from "node:net";
import type { HelperOptions } from "handlebars";
import { z } from "zod";
import type { HeraldEvent } from "../events/event";
import { valueText } from "../text";
import { quickReplacer } from "./escape";
import { FormatError } from "./format";
import { warnFromHelper } from "./helper-warnings";
import {
  excerpt,
  fitted,
  isPort,
  type KeyValue,
  mappedSeverity,
  otherDataFields,
  type StandardKey,
  severityMapSchema,
  siemFormat,
  standardFields,
} from "./siem";

// ArcSight Common Event Format, after "Implementing ArcSight CEF" (rev 25):
//   CEF:0|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension

/** Header fields: backslash and pipe escaped; line breaks, which the header cannot carry, become spaces. */
const escapeHeader = quickReplacer({ "\\": "\\\\", "|": "\\|", "\n": " ", "\r": " " });
/** Extension values: backslash and equals sign escaped, line breaks written as \n and \r. */
const escapeExtension = quickReplacer({ "\\": "\\\\", "=": "\\=", "\n": "\\n", "\r": "\\r" });
/** What a backslash may precede, and what it stands for: in the header, in extension values. */
const HEADER_ESCAPES: Record<string, string> = { "\\": "\\", "|": "|" };
const EXTENSION_ESCAPES: Record<string, string> = { "\\": "\\", "=": "=", n: "\n", r: "\r" };

/** Header fields 1–5 (after "CEF:0") and their lengths in the CEF specification. */
const HEADER_FIELDS = [
  { name: "Device Vendor", maxLength: 63 },
  { name: "Device Product", maxLength: 63 },
  { name: "Device Version", maxLength: 31 },
  { name: "Device Event Class ID", maxLength: 1023 },
  { name: "Name", maxLength: 512 },
];
const SEVERITY = /^(?:[0-9]|10|Unknown|Low|Medium|High|Very-High)$/;
const EXTENSION_KEY = /^[A-Za-z0-9]+$/;
/** More custom fields than the six cs slots go into msg, as one JSON object. */
const CUSTOM_STRING_SLOTS = 6;

/**
 * Data with a standard CEF meaning goes to its key (extension dictionary lengths):
 *   client_ip | remote_ip | remote_addr4 | src_ip | source_ip → src (IPv4 only; others stay custom)
 *   remote_port | client_port | src_port | source_port → spt;  dst_ip | destination_ip → dst;
 *   dst_port | destination_port → dpt;  domain | host → dhost;  account | username | user → suser;
 *   url | asset | path → request;  method → requestMethod;  action | block_status → act;
 *   outcome → outcome;  category → cat;  reason → reason.
 * The event itself: time → rt (epoch ms), id → externalId, source → sourceServiceName, type →
 * Device Event Class ID, title → Name. Everything else (subject, other data) is custom.
 */
const CEF_STANDARD_KEYS: StandardKey[] = [
  { key: "src", meaning: "sourceAddress", accepts: isIPv4 },
  { key: "spt", meaning: "sourcePort", accepts: isPort },
  { key: "dst", meaning: "destinationAddress", accepts: isIPv4 },
  { key: "dpt", meaning: "destinationPort", accepts: isPort },
  { key: "dhost", meaning: "destinationHost", maxLength: 1023 },
  { key: "suser", meaning: "userName", maxLength: 1023 },
  { key: "request", meaning: "url", maxLength: 1023 },
  { key: "requestMethod", meaning: "httpMethod", maxLength: 1023 },
  { key: "act", meaning: "action", maxLength: 63 },
  { key: "outcome", meaning: "outcome", maxLength: 63 },
  { key: "cat", meaning: "category", maxLength: 1023 },
  { key: "reason", meaning: "reason", maxLength: 1023 },
];

const line = z.string().regex(/^[^\r\n]*$/, "must be a single line");
const cefOptionsSchema = z
  .object({
    device_vendor: line.min(1).max(63).default("Herald"),
    device_product: line.min(1).max(63).default("Herald"),
    device_version: line.min(1).max(31).default("1.0"),
    severity_map: severityMapSchema(0),
  })
  .strict();
export type CefOptions = z.infer<typeof cefOptionsSchema>;

/** What CEF adds to the template context. */
interface CefContext {
  /** The extension's key=value pairs, unescaped; the template escapes values with {{cef value}}. */
  cef_extension: KeyValue[];
}

/**
 * The event's CEF extension fields, values cut to the dictionary's lengths (with a warning).
 * Exported for the render benchmark, whose hand-written CEF maps the data the same way.
 */
export function cefExtension(event: HeraldEvent, warnings: string[]): KeyValue[] {
  const fields: KeyValue[] = [
    { key: "rt", value: String(Date.parse(event.time)) },
    { key: "externalId", value: fitted("externalId (id)", event.id, 40, warnings) },
    { key: "sourceServiceName", value: fitted("sourceServiceName (source)", event.source, 1023, warnings) },
  ];
  const standard = standardFields(event.data, CEF_STANDARD_KEYS, warnings);
  fields.push(...standard.fields);

  const custom: [string, unknown][] = otherDataFields(event.data, standard.used);
  if (event.subject !== null) custom.unshift(["subject", event.subject]);
  if (custom.length > CUSTOM_STRING_SLOTS) {
    const json = JSON.stringify(Object.fromEntries(custom));
    fields.push({ key: "msg", value: fitted("msg (fields beyond cs1–cs6)", json, 1023, warnings) });
  } else {
    custom.forEach(([label, value], index) => {
      const slot = `cs${index + 1}`;
      fields.push(
        { key: slot, value: fitted(`${slot} (${label})`, valueText(value), 4000, warnings) },
        { key: `${slot}Label`, value: fitted(`${slot}Label`, label, 1023, warnings) },
      );
    });
  }
  return fields;
}

/** Undoes CEF escaping; a backslash before anything else makes the text unparseable. */
function unescapeCef(text: string, escapes: Record<string, string>, where: string): string {
  if (!text.includes("\\")) return text;
  return text.replace(/\\(.?)/gs, (sequence, char: string) => {
    const unescaped = escapes[char];
    if (unescaped === undefined) {
      throw new FormatError(
        `${where}: "${sequence}" is not a CEF escape (escape values with the cef helpers)`,
      );
    }
    return unescaped;
  });
}

/** Splits a line at the seven unescaped pipes that end its header fields: eight parts. */
function splitAtHeaderPipes(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length && parts.length < 7; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === "|") {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (parts.length < 7) {
    throw new FormatError(`the CEF header needs 7 "|" separators, the template produced ${parts.length}`);
  }
  parts.push(text.slice(start));
  return parts;
}

/** Checks the extension parses as key=value pairs: each value runs to the space before the next key. */
function checkExtension(extension: string): void {
  if (extension === "") return;
  const equalSigns: number[] = [];
  for (let i = 0; i < extension.length; i++) {
    if (extension[i] === "\\") i++;
    else if (extension[i] === "=") equalSigns.push(i);
  }
  if (equalSigns.length === 0)
    throw new FormatError(`the CEF extension is not key=value pairs: ${excerpt(extension)}`);
  let keyStart = 0;
  equalSigns.forEach((at, index) => {
    const key = extension.slice(keyStart, at);
    if (!EXTENSION_KEY.test(key)) {
      throw new FormatError(
        `the CEF extension has an invalid key ${excerpt(key)} (keys are letters and digits; escape values with {{cef …}})`,
      );
    }
    const next = equalSigns[index + 1];
    const valueEnd = next === undefined ? extension.length : extension.lastIndexOf(" ", next);
    if (valueEnd < at) throw new FormatError(`the CEF extension value of ${key} holds an unescaped "="`);
    unescapeCef(extension.slice(at + 1, valueEnd), EXTENSION_ESCAPES, `the CEF extension value of ${key}`);
    keyStart = valueEnd + 1;
  });
}

/** A header field (captured): anything but "|" and "\", or the escapes \\ and \|; then its "|". */
const HEADER_FIELD = String.raw`((?:[^\\|]|\\[\\|])*)\|`;
/** An extension pair: a key, "=" and a value with no unescaped "=" and only the escapes \\ \= \n \r. */
const EXTENSION_PAIR = String.raw`[A-Za-z0-9]+=(?:[^\\=]|\\[\\=nr])*`;
/**
 * The lines checkedCefLine takes as they are, in one expression: the same grammar (a value runs
 * to the space before the next key, so a key is the letters and digits right before an "=" with
 * a space before them), tried first because one regular expression costs a fraction of the walk.
 * A line it does not match may still be fine (a header field to cut): the walk decides.
 */
const PLAIN_CEF_LINE = new RegExp(
  `^CEF:[01]\\|${HEADER_FIELD.repeat(5)}(?:[0-9]|10|Unknown|Low|Medium|High|Very-High)\\|(?:${EXTENSION_PAIR}(?: ${EXTENSION_PAIR})*)?$`,
);

/**
 * Checks a rendered line is one CEF event a receiver can parse, and cuts header fields that are
 * longer than the specification allows (with a warning). Throws FormatError otherwise.
 */
export function checkedCefLine(rendered: string, warnings: string[]): string {
  const plain = PLAIN_CEF_LINE.exec(rendered);
  // A field no longer than its limit in UTF-16 units is no longer in characters: nothing to cut.
  if (plain && HEADER_FIELDS.every(({ maxLength }, index) => (plain[index + 1] ?? "").length <= maxLength)) {
    return rendered;
  }
  return walkedCefLine(rendered, warnings);
}

/** checkedCefLine the long way: field by field, saying what is wrong and cutting what is too long. */
export function walkedCefLine(rendered: string, warnings: string[]): string {
  const [version, ...rest] = splitAtHeaderPipes(rendered);
  const fields = rest.slice(0, 5);
  const [severity = "", extension = ""] = rest.slice(5);
  if (version !== "CEF:0" && version !== "CEF:1") {
    throw new FormatError(`a CEF line starts with "CEF:0|", the template produced ${excerpt(version ?? "")}`);
  }
  if (!SEVERITY.test(severity)) {
    throw new FormatError(`the CEF severity must be 0–10, the template produced ${excerpt(severity)}`);
  }
  const header = HEADER_FIELDS.map(({ name, maxLength }, index) => {
    const raw = fields[index] ?? "";
    const value = unescapeCef(raw, HEADER_ESCAPES, `the CEF header field ${name}`);
    const cut = fitted(`CEF ${name}`, value, maxLength, warnings);
    return cut === value ? raw : escapeHeader(cut);
  });
  checkExtension(extension);
  return [version, ...header, severity, extension].join("|");
}

export const cefFormat = siemFormat<CefOptions>({
  name: "cef",
  description: "ArcSight Common Event Format: one CEF line per event",
  optionsSchema: cefOptionsSchema,
  helpers: {
    /** An extension value: \ = and line breaks escaped. */
    cef: (value: unknown) => escapeExtension(valueText(value)),
    /** A header field: \ and | escaped, line breaks (which the header cannot hold) as spaces. */
    cefHeader: (value: unknown, options: HelperOptions) => {
      const text = valueText(value);
      if (/[\r\n]/.test(text))
        warnFromHelper(options, `CEF header: line breaks became spaces in ${excerpt(text)}`);
      return escapeHeader(text);
    },
    /** A Herald severity on CEF's 0–10 scale, through the webhook's severity_map. */
    cefSeverity: mappedSeverity,
  },
  context: (event, _options, warnings): CefContext => ({ cef_extension: cefExtension(event, warnings) }),
  checked: checkedCefLine,
});
