// A LEEF line fitted to a byte budget and still a LEEF line: attribute values are shortened or
// dropped whole, never a key; LEEF has no escapes, and a cut never brings in the delimiter. The
// EventID (the event type), devTime, sev, cat (source) and id go last of all.
import { cutText, ELLIPSIS, type FitReport, fitValues, type NamedValue, namedValue } from "./fit-plan";

const PROTECTED_KEYS = new Set(["devTime", "sev", "cat", "id"]);
const EVENT_ID = 3;

export interface LeefParts {
  version: "1.0" | "2.0";
  /** Vendor, product, version, EventID and (LEEF 2.0) the delimiter field, as written. */
  header: string[];
  delimiter: string;
  /** Attributes in order; null for an empty one (a delimiter that ends the line). */
  attributes: ({ key: string; value: string } | null)[];
}

/** The delimiter as a LEEF 2.0 header writes it: one character, or its hex code "x09"/"0x09". */
function decodeDelimiter(field: string): string | undefined {
  const hex = /^(?:0x|x)([0-9A-Fa-f]{1,4})$/.exec(field);
  const char = hex?.[1] ? String.fromCharCode(Number.parseInt(hex[1], 16)) : field;
  return char.length === 1 ? char : undefined;
}

/** Splits a LEEF line into header fields and attributes; undefined when it is not one. */
export function parseLeefParts(line: string): LeefParts | undefined {
  const version = /^LEEF:(1\.0|2\.0)\|/.exec(line)?.[1] as LeefParts["version"] | undefined;
  if (!version) return undefined;
  const header: string[] = [];
  let at = "LEEF:x.x|".length;
  while (header.length < (version === "2.0" ? 5 : 4)) {
    const pipe = line.indexOf("|", at);
    if (pipe < 0) return undefined;
    header.push(line.slice(at, pipe));
    at = pipe + 1;
  }
  const delimiter = version === "2.0" ? decodeDelimiter(header[4] ?? "") : "\t";
  if (delimiter === undefined) return undefined;
  const attributes: LeefParts["attributes"] = [];
  for (const part of line.slice(at).split(delimiter)) {
    const equalSign = part.indexOf("=");
    if (part === "") attributes.push(null);
    else if (equalSign < 1) return undefined;
    else attributes.push({ key: part.slice(0, equalSign), value: part.slice(equalSign + 1) });
  }
  return { version, header, delimiter, attributes };
}

export function joinLeefParts({ version, header, delimiter, attributes }: LeefParts): string {
  const text = attributes.map((attribute) => (attribute ? `${attribute.key}=${attribute.value}` : ""));
  return `LEEF:${version}|${header.join("|")}|${text.join(delimiter)}`;
}

/** `line` (a LEEF line) in at most `maxBytes`, or undefined when it is not LEEF. */
export function fitLeef(line: string, maxBytes: number): { msg: string; report: FitReport } | undefined {
  const parts = parseLeefParts(line);
  if (!parts) return undefined;
  const { delimiter } = parts;
  const delimiterBytes = Buffer.byteLength(delimiter);
  const marker = delimiter === ELLIPSIS ? "..." : ELLIPSIS;
  const values: NamedValue[] = [namedValue("EventID", parts.header[EVENT_ID] ?? "", 0, "protected")];
  for (const attribute of parts.attributes) {
    if (!attribute) continue;
    const role = PROTECTED_KEYS.has(attribute.key) ? "protected" : "droppable";
    // key, "=" and the delimiter before the next attribute
    const overhead = Buffer.byteLength(attribute.key) + 1 + delimiterBytes;
    values.push(namedValue(attribute.key, attribute.value, overhead, role));
  }
  let planned = 0;
  for (const value of values) planned += value.overhead + value.size;
  const fixed = Buffer.byteLength(line) - planned;
  const fitted = fitValues(
    values,
    maxBytes - fixed,
    (value, cap) => cutText(value, cap, false, marker),
    "LEEF",
  );
  const [eventId, ...attributeValues] = fitted.values;
  const header = parts.header.slice();
  header[EVENT_ID] = eventId ?? "";
  let index = 0;
  const attributes = parts.attributes.flatMap((attribute) => {
    if (!attribute) return [null];
    const value = attributeValues[index++];
    return value === null || value === undefined ? [] : [{ key: attribute.key, value }];
  });
  return { msg: joinLeefParts({ ...parts, header, attributes }), report: fitted.report };
}
