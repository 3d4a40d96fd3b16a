import { isIP } from "node:net";
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

// IBM QRadar Log Event Extended Format:
//   LEEF:2.0|Vendor|Product|Version|EventID|DelimiterCharacter|key=value<delimiter>key=value…
//   LEEF:1.0|Vendor|Product|Version|EventID|key=value<tab>key=value…
// LEEF defines no escaping: header fields never hold "|", values never hold the delimiter.

const TAB = "\t";
const MAX_EVENT_ID_LENGTH = 255;

/** The delimiter as an option or a LEEF 2.0 header writes it: one character, or its hex code "x09"/"0x09". */
function decodeDelimiter(text: string): string | undefined {
  const hex = /^(?:0x|x)([0-9A-Fa-f]{1,4})$/.exec(text);
  const char = hex?.[1] ? String.fromCharCode(Number.parseInt(hex[1], 16)) : text;
  return char.length === 1 ? char : undefined;
}

/** How a LEEF 2.0 header writes the delimiter: printable ASCII as itself, others (and "|") in hex. */
function delimiterField(delimiter: string): string {
  if (/^[!-~]$/.test(delimiter) && delimiter !== "|") return delimiter;
  return `x${delimiter.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
}

/**
 * Letters, digits, space and "=" would collide with ordinary keys and values; control
 * characters (but tab) would not survive syslog relays.
 */
function isUsableDelimiter(char: string): boolean {
  const code = char.charCodeAt(0);
  const control = code < 0x20 || code === 0x7f;
  return !/[A-Za-z0-9 =]/.test(char) && (!control || char === TAB);
}

const delimiterSchema = z.string().transform((text, context) => {
  const delimiter = decodeDelimiter(text);
  if (delimiter === undefined || !isUsableDelimiter(delimiter)) {
    context.addIssue({
      code: "custom",
      message:
        'must be one character, or its hex code like "x09" or "0x09", other than a letter, digit, space, "=" or a control character but tab',
    });
    return z.NEVER;
  }
  return delimiter;
});

const headerText = z.string().regex(/^[^|\r\n]+$/, 'must be one line of text without "|"');
const leefOptionsSchema = z
  .object({
    version: z.enum(["2.0", "1.0"]).default("2.0"),
    vendor: headerText.default("Herald"),
    product: headerText.default("Herald"),
    product_version: headerText.default("1.0"),
    delimiter: delimiterSchema.default(TAB),
    severity_map: severityMapSchema(1),
  })
  .strict()
  .superRefine((options, context) => {
    if (options.version === "1.0" && options.delimiter !== TAB) {
      context.addIssue({
        code: "custom",
        path: ["delimiter"],
        message: "LEEF 1.0 always separates attributes with a tab; use version 2.0 for another delimiter",
      });
    }
  });
export type LeefOptions = z.infer<typeof leefOptionsSchema>;

/**
 * Data with a predefined LEEF meaning goes to its key (see WELL_KNOWN_FIELDS in siem.ts):
 * source address → src (IPv4 or IPv6), source port → srcPort, destination address → dst,
 * destination port → dstPort, user name → usrName (255 characters), URL or path → url.
 * The event itself: time → devTime (epoch ms, which needs no devTimeFormat), severity → sev,
 * type → EventID, source → cat (with the EventID it names the kind of event to QRadar's QID
 * map; one Herald relays many producers). id, title, subject and the rest of the data are
 * custom attributes under their paths (id, title, subject, data.<path>).
 */
const LEEF_STANDARD_KEYS: StandardKey[] = [
  { key: "src", meaning: "sourceAddress", accepts: (text) => isIP(text) !== 0 },
  { key: "srcPort", meaning: "sourcePort", accepts: isPort },
  { key: "dst", meaning: "destinationAddress", accepts: (text) => isIP(text) !== 0 },
  { key: "dstPort", meaning: "destinationPort", accepts: isPort },
  { key: "usrName", meaning: "userName", maxLength: 255 },
  { key: "url", meaning: "url" },
];

/** What LEEF adds to the template context. */
interface LeefContext {
  /** The attributes after devTime and sev, unescaped; the template writes values with {{leef value}}. */
  leef_attributes: KeyValue[];
  leef_delimiter: string;
  /** The header's DelimiterCharacter field (LEEF 2.0), "" for LEEF 1.0. */
  leef_delimiter_field: string;
}

/** A custom key made safe: whitespace, "=" and the delimiter become "_" (with a warning). */
function leefKey(key: string, delimiter: string, warnings: string[]): string {
  // Most keys are safe as they are; checking the whole key is much cheaper than rebuilding it.
  if (!/\s|=/.test(key) && !key.includes(delimiter)) return key;
  const safe = Array.from(key, (char) => (/\s|=/.test(char) || char === delimiter ? "_" : char)).join("");
  if (safe !== key) warnings.push(`LEEF key ${excerpt(key)} written as ${excerpt(safe)}`);
  return safe;
}

/**
 * The event's attributes after devTime and sev: cat, the standard keys its data fills, then the
 * custom ones. Exported for the render benchmark, whose hand-written LEEF maps the data the same way.
 */
export function leefAttributes(event: HeraldEvent, delimiter: string, warnings: string[]): KeyValue[] {
  const standard = standardFields(event.data, LEEF_STANDARD_KEYS, warnings);
  const custom: [string, unknown][] = [
    ["id", event.id],
    ["title", event.title],
  ];
  if (event.subject !== null) custom.push(["subject", event.subject]);
  // concat, not push(...fields): a spread makes every data field an argument, and a call with
  // too many arguments overflows the stack.
  const fields = custom.concat(otherDataFields(event.data, standard.used));
  return [
    { key: "cat", value: event.source },
    ...standard.fields,
    ...fields.map(([key, value]) => ({ key: leefKey(key, delimiter, warnings), value: valueText(value) })),
  ];
}

/** Header fields: "|" and line breaks, which LEEF cannot carry there, become spaces. */
const replaceInHeader = quickReplacer({ "|": " ", "\n": " ", "\r": " " });
/** Attribute values: the delimiter and line breaks become spaces; one replacer per delimiter. */
const valueReplacers = new Map<string, (text: string) => string>();
function replaceInValue(text: string, delimiter: string): string {
  let replace = valueReplacers.get(delimiter);
  if (!replace) {
    replace = quickReplacer({ [delimiter]: " ", "\n": " ", "\r": " " });
    valueReplacers.set(delimiter, replace);
  }
  return replace(text);
}

/** A helper that replaces what LEEF cannot carry, and warns (through the context) when it did. */
function replacingHelper(where: string, replace: (text: string, helperOptions: HelperOptions) => string) {
  return (value: unknown, helperOptions: HelperOptions) => {
    const text = valueText(value);
    const replaced = replace(text, helperOptions);
    if (replaced !== text)
      warnFromHelper(helperOptions, `${where}: separators became spaces in ${excerpt(text)}`);
    return replaced;
  };
}

/** The header up to the attributes, capturing the EventID and (2.0) the delimiter field. */
const PLAIN_HEADER = {
  "2.0": /^LEEF:2\.0\|(?:[^|]*\|){3}([^|]*)\|([^|]*)\|/,
  "1.0": /^LEEF:1\.0\|(?:[^|]*\|){3}([^|]*)\|/,
};
/** Attributes as checkedLeefLine takes them, per delimiter: key=value, the key without spaces; empty ones. */
const plainAttributes = new Map<string, RegExp>();
const MATCHES_NOTHING = /(?!)/;

function plainAttributesPattern(delimiter: string): RegExp {
  // "=" as the delimiter leaves no attribute its "=": the walk says so.
  if (delimiter === "=") return MATCHES_NOTHING;
  let pattern = plainAttributes.get(delimiter);
  if (!pattern) {
    const d = `\\u${delimiter.charCodeAt(0).toString(16).padStart(4, "0")}`;
    const attribute = `[^\\s=${d}]+=[^${d}]*`;
    pattern = new RegExp(`^(?:${attribute})?(?:${d}(?:${attribute})?)*$`);
    plainAttributes.set(delimiter, pattern);
  }
  return pattern;
}

/**
 * Checks a rendered line is one LEEF event a receiver can parse, and cuts an EventID longer
 * than QRadar takes (with a warning). Throws FormatError otherwise. Lines that need nothing cut
 * are recognised by two regular expressions of the same grammar first, for a fraction of the
 * walk's cost; any other line takes the walk, which says what is wrong.
 */
export function checkedLeefLine(rendered: string, warnings: string[]): string {
  const version = rendered.startsWith("LEEF:1.0|") ? "1.0" : "2.0";
  const header = PLAIN_HEADER[version].exec(rendered);
  const delimiter = version === "1.0" ? TAB : decodeDelimiter(header?.[2] ?? "");
  if (
    header &&
    delimiter !== undefined &&
    (header[1] ?? "").length <= MAX_EVENT_ID_LENGTH &&
    plainAttributesPattern(delimiter).test(rendered.slice(header[0].length))
  ) {
    return rendered;
  }
  return walkedLeefLine(rendered, warnings);
}

/** checkedLeefLine the long way: part by part, saying what is wrong and cutting what is too long. */
export function walkedLeefLine(rendered: string, warnings: string[]): string {
  const version = /^LEEF:(1\.0|2\.0)\|/.exec(rendered)?.[1];
  if (!version)
    throw new FormatError(`a LEEF line starts with "LEEF:2.0|" or "LEEF:1.0|": ${excerpt(rendered)}`);
  const headerFieldCount = version === "2.0" ? 6 : 5;
  const parts = rendered.split("|");
  if (parts.length <= headerFieldCount) {
    throw new FormatError(`a LEEF ${version} header has ${headerFieldCount} fields, each ended by "|"`);
  }
  const header = parts.slice(0, headerFieldCount);
  const attributes = parts.slice(headerFieldCount).join("|");
  const delimiter = version === "2.0" ? decodeDelimiter(header[5] ?? "") : TAB;
  if (delimiter === undefined) {
    throw new FormatError(
      `the LEEF delimiter field must be one character or its hex code: ${excerpt(header[5] ?? "")}`,
    );
  }
  for (const attribute of attributes.split(delimiter)) {
    const equalSign = attribute.indexOf("=");
    if (attribute !== "" && (equalSign < 1 || /\s/.test(attribute.slice(0, equalSign)))) {
      throw new FormatError(
        `the LEEF attribute ${excerpt(attribute)} is not key=value (write values with {{leef …}})`,
      );
    }
  }
  header[4] = fitted("LEEF EventID", header[4] ?? "", MAX_EVENT_ID_LENGTH, warnings);
  return [...header, attributes].join("|");
}

export const leefFormat = siemFormat<LeefOptions>({
  name: "leef",
  description: "IBM QRadar Log Event Extended Format (LEEF 2.0 or 1.0): one line per event",
  optionsSchema: leefOptionsSchema,
  helpers: {
    /** An attribute value: the delimiter (from the LEEF context, tab elsewhere) and line breaks as spaces. */
    leef: replacingHelper("LEEF value", (text, helperOptions) => {
      const root = helperOptions.data?.root as { leef_delimiter?: string } | undefined;
      return replaceInValue(text, root?.leef_delimiter ?? TAB);
    }),
    /** A header field: "|" and line breaks as spaces. */
    leefHeader: replacingHelper("LEEF header", replaceInHeader),
    /** A Herald severity on LEEF's 1–10 scale, through the webhook's severity_map. */
    leefSeverity: mappedSeverity,
  },
  context: (event, options, warnings): LeefContext => ({
    leef_attributes: leefAttributes(event, options.delimiter, warnings),
    leef_delimiter: options.delimiter,
    leef_delimiter_field: options.version === "2.0" ? delimiterField(options.delimiter) : "",
  }),
  checked: checkedLeefLine,
});
