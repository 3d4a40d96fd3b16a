import type { HelperDelegate, HelperOptions } from "handlebars";
import { z } from "zod";
import type { HeraldEvent } from "../events/event";
import type { Severity } from "../events/severity";
import { flattenObject, truncateChars } from "../text";
import { type Format, FormatError, type Rendered, type RenderInput, templateContext } from "./format";
import { HELPER_WARNINGS } from "./helper-warnings";
import { namesOf } from "./key-fields";

// What the key=value SIEM formats, CEF and LEEF, share: the mapping of event data to the SIEMs'
// standard fields, the severity mapping, and rendering one event as one checked line with the
// warnings of the template's helpers heard.

export const SIEM_CONTENT_TYPE = "text/plain; charset=utf-8";

/** The start of a value, for warnings that say which value was changed. */
export function excerpt(text: string): string {
  return JSON.stringify(truncateChars(text, 40));
}

/** Herald's scale on the SIEMs' 0–10 (LEEF: 1–10) scale, unless a webhook maps it otherwise. */
const DEFAULT_SEVERITY_MAP: Record<Severity, number> = {
  info: 1,
  low: 3,
  medium: 5,
  high: 8,
  critical: 10,
};

/** `severity_map` option: any of Herald's severities mapped to min..10; the rest keep their default. */
export function severityMapSchema(min: number) {
  const level = (severity: Severity) =>
    z.number().int().min(min).max(10).default(DEFAULT_SEVERITY_MAP[severity]);
  return z
    .object({
      info: level("info"),
      low: level("low"),
      medium: level("medium"),
      high: level("high"),
      critical: level("critical"),
    })
    .strict()
    .prefault({});
}

/** A Herald severity through the rendering webhook's `severity_map` (for the severity helpers). */
export function mappedSeverity(severity: unknown, helperOptions: HelperOptions): string {
  const root = helperOptions.data?.root as
    | { options?: { severity_map?: Record<string, number> } }
    | undefined;
  const map: Record<string, number> = root?.options?.severity_map ?? DEFAULT_SEVERITY_MAP;
  const key = String(severity);
  return Object.hasOwn(map, key) ? String(map[key]) : "";
}

/**
 * Data fields that Herald's producers use for things the SIEM formats have standard keys for,
 * by meaning: the names of the key fields table (src/formats/key-fields.ts), which the human
 * formats show first. When an event has several fields of one meaning, the first listed that
 * the standard key accepts wins; the others stay custom fields.
 */
export const WELL_KNOWN_FIELDS = {
  sourceAddress: namesOf("source_ip"),
  sourcePort: namesOf("source_port"),
  destinationAddress: namesOf("destination_ip"),
  destinationPort: namesOf("destination_port"),
  destinationHost: namesOf("host"),
  userName: namesOf("user"),
  url: [...namesOf("url"), ...namesOf("path")],
  httpMethod: namesOf("method"),
  action: namesOf("action"),
  outcome: namesOf("outcome"),
  category: namesOf("category"),
  reason: namesOf("reason"),
};

/** A format's standard key for one meaning: which values it takes, how long they may be. */
export interface StandardKey {
  key: string;
  meaning: keyof typeof WELL_KNOWN_FIELDS;
  accepts?: (text: string) => boolean;
  maxLength?: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

export const isPort = (text: string) => /^\d{1,5}$/.test(text) && Number(text) <= 65535;

/** `text` cut to `maxLength` characters, with a warning naming `what` when it was. */
export function fitted(what: string, text: string, maxLength: number, warnings: string[]): string {
  const cut = truncateChars(text, maxLength);
  if (cut !== text) warnings.push(`${what}: cut to ${maxLength} characters`);
  return cut;
}

/** The default of StandardKey.accepts; one function, not a new one for every key of every render. */
const acceptsAny = () => true;

/**
 * The standard keys an event's data fills (top-level text and number fields only), and which
 * data fields went into them.
 */
export function standardFields(
  data: Record<string, unknown>,
  keys: StandardKey[],
  warnings: string[],
): { fields: KeyValue[]; used: Set<string> } {
  const fields: KeyValue[] = [];
  const used = new Set<string>();
  for (const { key, meaning, accepts = acceptsAny, maxLength } of keys) {
    const field = WELL_KNOWN_FIELDS[meaning].find((name) => {
      const value = data[name];
      return (typeof value === "string" || typeof value === "number") && accepts(String(value));
    });
    if (field === undefined) continue;
    const text = String(data[field]);
    const value = maxLength ? fitted(`${key} (data.${field})`, text, maxLength, warnings) : text;
    fields.push({ key, value });
    used.add(field);
  }
  return { fields, used };
}

/** The data fields not in `used`, flattened, as `data.<path>` (the path templates use too). */
export function otherDataFields(data: Record<string, unknown>, used: Set<string>): [string, unknown][] {
  const rest = Object.fromEntries(Object.entries(data).filter(([name]) => !used.has(name)));
  return Object.entries(flattenObject(rest)).map(([path, value]) => [`data.${path}`, value]);
}

/** How a SIEM format renders its line: what it adds to the template context, how it checks the result. */
export interface SiemLine<Options> {
  /** The format's own fields of the template context; cuts it makes go to `warnings`. */
  context(event: HeraldEvent, options: Options, warnings: string[]): object;
  /**
   * The single line the template produced, checked to parse and fitted to the format's lengths
   * (with warnings); throws FormatError when a receiver could not parse it.
   */
  checked(line: string, warnings: string[]): string;
}

export interface SiemFormatSpec<Options> extends SiemLine<Options> {
  name: string;
  description: string;
  optionsSchema: Format<Options>["optionsSchema"];
  helpers: Record<string, HelperDelegate>;
}

/**
 * A key=value SIEM format (CEF, LEEF): one checked line per event, plain text (a receiver may ask
 * for its own media type), the warnings of its template helpers heard.
 */
export function siemFormat<Options extends object>(spec: SiemFormatSpec<Options>): Format<Options> {
  const { name, description, optionsSchema, helpers } = spec;
  return {
    name,
    description,
    contentType: SIEM_CONTENT_TYPE,
    allowsContentTypeHeader: true,
    optionsSchema,
    helpers,
    render: (input) => renderSiemLine(input, spec, name),
  };
}

const LINE_BREAK = /[\r\n]/;

/** The text without the line breaks it ends with. */
function withoutFinalLineBreaks(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 0x0a || text.charCodeAt(end - 1) === 0x0d)) end--;
  return end === text.length ? text : text.slice(0, end);
}

function renderSiemLine<Options extends object>(
  { event, options, template, suppressed }: RenderInput<Options>,
  line: SiemLine<Options>,
  name: string,
): Rendered {
  const warnings: string[] = [];
  // Assigned, not spread, for speed (see templateContext).
  const context = Object.assign(
    templateContext(event, options, suppressed),
    line.context(event, options, warnings),
    {
      [HELPER_WARNINGS]: warnings,
    },
  );
  // A template file's final line break ends the line; it is not part of the event.
  const rendered = withoutFinalLineBreaks(template(context));
  if (LINE_BREAK.test(rendered)) {
    throw new FormatError(
      `the template produced more than one line; a ${name.toUpperCase()} event is a single line`,
    );
  }
  const body = line.checked(rendered, warnings);
  return {
    contentType: SIEM_CONTENT_TYPE,
    body,
    warnings: warnings.length ? [...new Set(warnings)] : warnings,
  };
}
