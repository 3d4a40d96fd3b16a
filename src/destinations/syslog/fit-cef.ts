// A CEF line fitted to a byte budget and still a CEF line: extension values are shortened
// (never a key, never an escape \\ \= \n \r cut in half) or dropped whole; the header's Name may
// be shortened; the Device Event Class ID (the event type), severity, externalId (id) and
// sourceServiceName (source) go last of all.
import { cutText, type FitReport, fitValues, type NamedValue, namedValue } from "./fit-plan";

/** Header fields before the extension: "CEF:0", vendor, product, version, class id, name, severity. */
const HEADER_FIELDS = 7;
const CLASS_ID = 4;
const NAME = 5;
const KEY = /^[A-Za-z0-9]+$/;
const PROTECTED_KEYS = new Set(["externalId", "sourceServiceName"]);

export interface CefParts {
  /** The seven header fields, as written (escaped). */
  header: string[];
  /** Extension pairs, values as written (escaped). */
  pairs: { key: string; value: string }[];
}

/** Splits a CEF line into its header fields and extension pairs; undefined when it is not one. */
export function parseCefParts(line: string): CefParts | undefined {
  if (!/^CEF:\d+\|/.test(line)) return undefined;
  const header: string[] = [];
  let start = 0;
  let at = 0;
  for (; at < line.length && header.length < HEADER_FIELDS; at++) {
    if (line[at] === "\\") at++;
    else if (line[at] === "|") {
      header.push(line.slice(start, at));
      start = at + 1;
    }
  }
  if (header.length < HEADER_FIELDS) return undefined;
  const pairs = parseExtension(line.slice(at));
  return pairs ? { header, pairs } : undefined;
}

/** key=value pairs: each value runs to the space before the next key's unescaped "=". */
function parseExtension(extension: string): CefParts["pairs"] | undefined {
  if (extension === "") return [];
  const equalSigns: number[] = [];
  for (const match of extension.matchAll(/\\[\s\S]?|=/g)) {
    if (match[0] === "=") equalSigns.push(match.index);
  }
  const pairs: CefParts["pairs"] = [];
  let keyStart = 0;
  for (let index = 0; index < equalSigns.length; index++) {
    const at = equalSigns[index] as number;
    const key = extension.slice(keyStart, at);
    if (!KEY.test(key)) return undefined;
    const next = equalSigns[index + 1];
    const end = next === undefined ? extension.length : extension.lastIndexOf(" ", next);
    if (end <= at) return undefined;
    pairs.push({ key, value: extension.slice(at + 1, end) });
    keyStart = end + 1;
  }
  return pairs.length > 0 ? pairs : undefined;
}

export function joinCefParts({ header, pairs }: CefParts): string {
  return `${header.join("|")}|${pairs.map(({ key, value }) => `${key}=${value}`).join(" ")}`;
}

/** csN values are named with their label: "cs1 (data.summary)". */
function pairName(pairs: CefParts["pairs"], key: string): string {
  if (!/^(?:c[sn]\d|cfp\d|flexString\d)$/.test(key)) return key;
  const label = pairs.find((pair) => pair.key === `${key}Label`)?.value;
  if (label === undefined) return key;
  const unescaped = label.replace(/\\([\s\S])/g, (_, char: string) =>
    char === "n" ? "\n" : char === "r" ? "\r" : char,
  );
  return `${key} (${unescaped})`;
}

/** `line` (a CEF line) in at most `maxBytes`, or undefined when it is not CEF. */
export function fitCef(line: string, maxBytes: number): { msg: string; report: FitReport } | undefined {
  const parts = parseCefParts(line);
  if (!parts) return undefined;
  const values: NamedValue[] = [
    namedValue("Name", parts.header[NAME] ?? "", 0, "fixed"),
    namedValue("Device Event Class ID", parts.header[CLASS_ID] ?? "", 0, "protected"),
  ];
  for (const { key, value } of parts.pairs) {
    const role = PROTECTED_KEYS.has(key) ? "protected" : "droppable";
    // key, "=" and the space before the next pair
    values.push(namedValue(pairName(parts.pairs, key), value, key.length + 2, role));
  }
  let planned = 0;
  for (const value of values) planned += value.overhead + value.size;
  // Everything else: the other header fields and their pipes, less the space the last pair was
  // counted with (n pairs have n - 1 spaces between them).
  const fixed = Buffer.byteLength(line) - planned;
  const fitted = fitValues(values, maxBytes - fixed, (value, cap) => cutText(value, cap, true), "CEF");
  const [name = "", classId = "", ...pairValues] = fitted.values;
  const header = parts.header.slice();
  header[NAME] = name ?? "";
  header[CLASS_ID] = classId ?? "";
  const dropped = new Set<string>();
  const pairs = parts.pairs.flatMap(({ key }, index) => {
    const value = pairValues[index];
    if (value === null || value === undefined) {
      dropped.add(key);
      return [];
    }
    return [{ key, value }];
  });
  // A label whose value was dropped labels nothing.
  const labelled = pairs.filter(({ key }) => !(key.endsWith("Label") && dropped.has(key.slice(0, -5))));
  return { msg: joinCefParts({ header, pairs: labelled }), report: fitted.report };
}
