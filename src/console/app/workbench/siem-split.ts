// CEF and LEEF lines split as a SIEM splits them: the header at its "|"s, then the extension's
// key=value pairs. Lenient where a SIEM is lenient: what does not split is shown as it came.

export interface SplitRow {
  name: string;
  value: string;
  /** What the name means (a CEF key's full name), or how the value was read. */
  note?: string;
}

export interface SplitSection {
  title: string;
  rows: SplitRow[];
}

const CEF_HEADER = [
  "Version",
  "Device Vendor",
  "Device Product",
  "Device Version",
  "Device Event Class ID",
  "Name",
  "Severity",
];
const LEEF_HEADER = ["Version", "Vendor", "Product", "Product Version", "Event ID"];

/** The full names of the CEF keys a SIEM shows (ArcSight "Implementing CEF", the ones seen most). */
const CEF_KEYS: Record<string, string> = {
  act: "deviceAction",
  app: "applicationProtocol",
  cat: "deviceEventCategory",
  cnt: "baseEventCount",
  dhost: "destinationHostName",
  dpt: "destinationPort",
  dst: "destinationAddress",
  duser: "destinationUserName",
  dvc: "deviceAddress",
  dvchost: "deviceHostName",
  end: "endTime",
  fname: "fileName",
  in: "bytesIn",
  msg: "message",
  out: "bytesOut",
  proto: "transportProtocol",
  request: "requestUrl",
  rt: "deviceReceiptTime",
  shost: "sourceHostName",
  spt: "sourcePort",
  src: "sourceAddress",
  start: "startTime",
  suser: "sourceUserName",
};

/** The header's fields up to `count` "|"s (escaped "\|" and "\\" read as the character), and the rest. */
function splitHeader(line: string, count: number): { fields: string[]; rest: string } | undefined {
  const fields: string[] = [];
  let field = "";
  let i = 0;
  for (; i < line.length && fields.length < count; i++) {
    const char = line.charAt(i);
    const next = line.charAt(i + 1);
    if (char === "\\" && (next === "|" || next === "\\")) {
      field += next;
      i += 1;
    } else if (char === "|") {
      fields.push(field);
      field = "";
    } else {
      field += char;
    }
  }
  return fields.length === count ? { fields, rest: line.slice(i) } : undefined;
}

const unescapeCefValue = (value: string) =>
  value.replace(/\\([\\=nr])/g, (_, char: string) => (char === "n" ? "\n" : char === "r" ? "\r" : char));

/** A value runs from its key's "=" to the space before the next key ("\=" is no key's end). */
function cefExtension(text: string): SplitRow[] {
  const keys = [...text.matchAll(/(?:^|\s)([A-Za-z0-9_.[\]-]+)=/g)];
  const pairs = keys.map((match, index) => {
    const start = (match.index ?? 0) + match[0].length;
    const end = keys[index + 1]?.index ?? text.length;
    return { name: match[1] as string, value: unescapeCefValue(text.slice(start, end).replace(/\s+$/, "")) };
  });
  const labels = new Map(pairs.map((pair) => [pair.name, pair.value]));
  return pairs.map(({ name, value }) => {
    const custom = /^(cs|cn|cfp|flexString|flexNumber)(\d)$/.exec(name);
    const label = custom ? labels.get(`${name}Label`) : undefined;
    const note = label !== undefined ? `labelled “${label}”` : CEF_KEYS[name];
    return note ? { name, value, note } : { name, value };
  });
}

export function splitCef(line: string): SplitSection[] | undefined {
  const header = splitHeader(line, 7);
  if (!header) return undefined;
  const [version = "", ...rest] = header.fields;
  const fields = [version.replace(/^CEF:/, ""), ...rest];
  return [
    { title: "CEF header", rows: CEF_HEADER.map((name, i) => ({ name, value: fields[i] ?? "" })) },
    { title: "CEF extension", rows: cefExtension(header.rest) },
  ];
}

/** LEEF 2.0's delimiter field: one character, or its code in hex ("x09", "0x5E"); empty is a tab. */
function leefDelimiter(spec: string): string {
  const hex = /^0?x([0-9a-f]{2,4})$/i.exec(spec);
  if (hex) return String.fromCharCode(Number.parseInt(hex[1] as string, 16));
  return spec === "" ? "\t" : (spec.charAt(0) as string);
}

export function splitLeef(line: string): SplitSection[] | undefined {
  const two = line.startsWith("LEEF:2");
  const header = splitHeader(line, two ? 6 : 5);
  if (!header) return undefined;
  const [version = "", ...rest] = header.fields;
  const fields = [version.replace(/^LEEF:/, ""), ...rest];
  const delimiter = two ? leefDelimiter(fields[5] ?? "") : "\t";
  const names = two ? [...LEEF_HEADER, "Delimiter"] : LEEF_HEADER;
  const headerRows = names.map((name, i) => ({ name, value: fields[i] ?? "" }));
  const shown = delimiter === "\t" ? "tab" : `“${delimiter}”`;
  const attributes = header.rest
    .split(delimiter)
    .filter((pair) => pair !== "")
    .map((pair) => {
      const equals = pair.indexOf("=");
      return equals < 0
        ? { name: pair, value: "", note: "no “=”" }
        : { name: pair.slice(0, equals), value: pair.slice(equals + 1) };
    });
  return [
    { title: "LEEF header", rows: headerRows },
    { title: `LEEF attributes (separated by ${shown})`, rows: attributes },
  ];
}

/** A line as the SIEM format it starts with; none when it is neither CEF nor LEEF. */
export function splitSiemLine(line: string): SplitSection[] | undefined {
  if (line.startsWith("CEF:")) return splitCef(line);
  if (line.startsWith("LEEF:")) return splitLeef(line);
  return undefined;
}
