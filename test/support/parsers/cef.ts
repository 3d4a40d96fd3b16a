/**
 * A strict CEF parser written from "Implementing ArcSight CEF" (rev 25), independent of
 * src/formats/cef.ts so that the tests check the format against the specification:
 *   CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension
 * Header: "\|" and "\\" are the only escapes. Extension: space-separated key=value pairs, keys
 * alphanumeric, values with "\=", "\\", "\n", "\r" as the only escapes; a value runs to the
 * space before the next key. Anything else is an error, not a guess.
 */

export interface CefEvent {
  version: string;
  vendor: string;
  product: string;
  deviceVersion: string;
  classId: string;
  name: string;
  severity: string;
  extension: Record<string, string>;
}

export class CefParseError extends Error {
  override name = "CefParseError";
}

const HEADER_ESCAPES: Record<string, string> = { "|": "|", "\\": "\\" };
const VALUE_ESCAPES: Record<string, string> = { "=": "=", "\\": "\\", n: "\n", r: "\r" };
const SEVERITIES = /^(?:[0-9]|10|Unknown|Low|Medium|High|Very-High)$/;
const KEY = /^[A-Za-z0-9]+$/;

function unescapeText(text: string, escapes: Record<string, string>, where: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (char !== "\\") {
      out += char;
      continue;
    }
    const next = text.charAt(++i);
    const meaning = escapes[next];
    if (meaning === undefined) throw new CefParseError(`${where}: invalid escape "\\${next}"`);
    out += meaning;
  }
  return out;
}

/** The 7 header fields (escaped as written) and the raw extension. */
function splitHeader(line: string): { fields: string[]; extension: string } {
  const fields: string[] = [];
  let field = "";
  let i = 0;
  for (; i < line.length && fields.length < 7; i++) {
    const char = line.charAt(i);
    if (char === "\\") {
      field += char + line.charAt(++i);
    } else if (char === "|") {
      fields.push(field);
      field = "";
    } else {
      field += char;
    }
  }
  if (fields.length < 7) throw new CefParseError(`header has ${fields.length} of 7 pipes`);
  return { fields, extension: line.slice(i) };
}

/** Cuts the extension at its unescaped "=" signs: key, value+key, …, value. */
function cutAtEqualSigns(extension: string): string[] {
  const pieces: string[] = [];
  let piece = "";
  for (let i = 0; i < extension.length; i++) {
    const char = extension.charAt(i);
    if (char === "\\") {
      piece += char + extension.charAt(++i);
    } else if (char === "=") {
      pieces.push(piece);
      piece = "";
    } else {
      piece += char;
    }
  }
  pieces.push(piece);
  return pieces;
}

function parseExtension(extension: string): Record<string, string> {
  const result: Record<string, string> = {};
  if (extension === "") return result;
  const pieces = cutAtEqualSigns(extension);
  if (pieces.length < 2) throw new CefParseError(`extension has no key=value: ${extension.slice(0, 40)}`);
  let key = pieces[0] ?? "";
  for (let n = 1; n < pieces.length; n++) {
    const piece = pieces[n] ?? "";
    const last = n === pieces.length - 1;
    const space = piece.lastIndexOf(" ");
    if (!last && space < 0) throw new CefParseError(`value of ${key} holds an unescaped "="`);
    const rawValue = last ? piece : piece.slice(0, space);
    if (!KEY.test(key)) throw new CefParseError(`invalid extension key ${JSON.stringify(key)}`);
    if (Object.hasOwn(result, key)) throw new CefParseError(`duplicate extension key ${key}`);
    result[key] = unescapeText(rawValue, VALUE_ESCAPES, `value of ${key}`);
    if (!last) key = piece.slice(space + 1);
  }
  return result;
}

export function parseCef(line: string): CefEvent {
  if (/[\r\n]/.test(line)) throw new CefParseError("a CEF event is one line");
  const { fields, extension } = splitHeader(line);
  const [prefix = "", vendor = "", product = "", deviceVersion = "", classId = "", name = "", severity = ""] =
    fields;
  const version = /^CEF:(\d+)$/.exec(prefix)?.[1];
  if (version === undefined) throw new CefParseError(`bad prefix ${JSON.stringify(prefix)}`);
  if (!SEVERITIES.test(severity)) throw new CefParseError(`bad severity ${JSON.stringify(severity)}`);
  const header = (text: string, what: string) => unescapeText(text, HEADER_ESCAPES, what);
  return {
    version,
    vendor: header(vendor, "vendor"),
    product: header(product, "product"),
    deviceVersion: header(deviceVersion, "device version"),
    classId: header(classId, "class id"),
    name: header(name, "name"),
    severity,
    extension: parseExtension(extension),
  };
}
