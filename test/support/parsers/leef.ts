/**
 * A strict LEEF parser written from IBM's LEEF 1.0/2.0 documentation, independent of
 * src/formats/leef.ts:
 *   LEEF:1.0|Vendor|Product|Version|EventID|key=value<tab>key=value…
 *   LEEF:2.0|Vendor|Product|Version|EventID|DelimiterCharacter|key=value<delimiter>…
 * The delimiter field is one character or its hex code (0x or x, then 1–4 hex digits). LEEF
 * has no escaping: an attribute is split at its first "="; keys have no spaces; a key appears
 * once; the EventID is at most 255 characters.
 */

export interface LeefEvent {
  version: "1.0" | "2.0";
  vendor: string;
  product: string;
  productVersion: string;
  eventId: string;
  delimiter: string;
  attributes: Record<string, string>;
}

export class LeefParseError extends Error {
  override name = "LeefParseError";
}

function delimiterFrom(field: string): string {
  const hex = /^(?:0x|x)([0-9A-Fa-f]{1,4})$/.exec(field);
  if (hex?.[1]) return String.fromCharCode(Number.parseInt(hex[1], 16));
  if (field.length === 1) return field;
  throw new LeefParseError(`bad delimiter field ${JSON.stringify(field)}`);
}

export function parseLeef(line: string): LeefEvent {
  if (/[\r\n]/.test(line)) throw new LeefParseError("a LEEF event is one line");
  const version = line.startsWith("LEEF:1.0|") ? "1.0" : line.startsWith("LEEF:2.0|") ? "2.0" : undefined;
  if (!version) throw new LeefParseError(`not LEEF 1.0 or 2.0: ${line.slice(0, 20)}`);
  const fieldCount = version === "1.0" ? 4 : 5;
  const fields: string[] = [];
  let rest = line.slice("LEEF:x.x|".length);
  while (fields.length < fieldCount) {
    const pipe = rest.indexOf("|");
    if (pipe < 0) throw new LeefParseError(`header has ${fields.length} of ${fieldCount} fields`);
    fields.push(rest.slice(0, pipe));
    rest = rest.slice(pipe + 1);
  }
  const [vendor = "", product = "", productVersion = "", eventId = "", delimiterField] = fields;
  for (const [what, value] of Object.entries({ vendor, product, productVersion, eventId })) {
    if (value === "") throw new LeefParseError(`empty ${what}`);
  }
  if (Array.from(eventId).length > 255) throw new LeefParseError("EventID longer than 255 characters");
  const delimiter = delimiterField === undefined ? "\t" : delimiterFrom(delimiterField);

  const attributes: Record<string, string> = {};
  const parts = rest.split(delimiter);
  if (parts.at(-1) === "") parts.pop(); // a delimiter may end the line
  for (const part of parts) {
    const equalSign = part.indexOf("=");
    if (equalSign < 1)
      throw new LeefParseError(`attribute without key: ${JSON.stringify(part.slice(0, 40))}`);
    const key = part.slice(0, equalSign);
    if (/\s/.test(key)) throw new LeefParseError(`key with whitespace: ${JSON.stringify(key)}`);
    if (Object.hasOwn(attributes, key)) throw new LeefParseError(`duplicate key ${key}`);
    attributes[key] = part.slice(equalSign + 1);
  }
  return { version, vendor, product, productVersion, eventId, delimiter, attributes };
}
