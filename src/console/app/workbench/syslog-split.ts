import { FACILITIES } from "../../../destinations/syslog/facilities";
import type { SplitRow, SplitSection } from "./siem-split";

// A syslog message split into its RFC 5424 parts (PRI, header fields, structured data, MSG), or
// an RFC 3164 one into PRI, timestamp, host, tag and MSG, as a receiver such as syslog-ng reads it.

const SEVERITIES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

export interface SyslogSplit {
  sections: SplitSection[];
  /** The message itself, which may be a CEF or LEEF line of its own. */
  message: string;
}

function priRow(pri: string): SplitRow {
  const value = Number(pri);
  const facility = FACILITIES[value >> 3] ?? `facility ${value >> 3}`;
  return {
    name: "PRI",
    value: pri,
    note: `${facility}.${SEVERITIES[value & 7]} (facility ${value >> 3}, severity ${value & 7})`,
  };
}

/** The SD-ELEMENTs from `text` on: each `[id name="value" …]`; answers them and where they end. */
function structuredData(text: string): { sections: SplitSection[]; end: number } | undefined {
  if (text.startsWith("-")) return { sections: [], end: 1 };
  const sections: SplitSection[] = [];
  let i = 0;
  while (text.charAt(i) === "[") {
    const id = /^\[([^\s\]=]+)/.exec(text.slice(i));
    if (!id) return undefined;
    i += id[0].length;
    const rows: SplitRow[] = [];
    for (;;) {
      const param = /^ ([^\s\]="]+)="/.exec(text.slice(i));
      if (!param) break;
      i += param[0].length;
      let value = "";
      for (; i < text.length && text.charAt(i) !== '"'; i++) {
        const next = text.charAt(i + 1);
        // Inside a value, \" \\ and \] stand for the character.
        if (text.charAt(i) === "\\" && (next === '"' || next === "\\" || next === "]")) {
          value += next;
          i += 1;
        } else {
          value += text.charAt(i);
        }
      }
      i += 1;
      rows.push({ name: param[1] as string, value });
    }
    if (text.charAt(i) !== "]") return undefined;
    i += 1;
    sections.push({ title: `Structured data [${id[1]}]`, rows });
  }
  return sections.length > 0 ? { sections, end: i } : undefined;
}

const RFC5424 = /^<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) /;
const RFC3164 = /^<(\d{1,3})>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) ([^\s:[]+(?:\[[^\]]*\])?):? ?/;

function rfc5424(text: string, framing: SplitRow[]): SyslogSplit | undefined {
  const header = RFC5424.exec(text);
  if (!header) return undefined;
  const [, pri = "", version = "", time = "", host = "", app = "", proc = "", msgId = ""] = header;
  const sd = structuredData(text.slice(header[0].length));
  if (!sd) return undefined;
  const after = text.slice(header[0].length + sd.end);
  const withBom = after.replace(/^ /, "");
  const message = withBom.replace(/^\uFEFF/, "");
  const rows: SplitRow[] = [
    ...framing,
    priRow(pri),
    { name: "VERSION", value: version },
    { name: "TIMESTAMP", value: time },
    { name: "HOSTNAME", value: host },
    { name: "APP-NAME", value: app },
    { name: "PROCID", value: proc },
    { name: "MSGID", value: msgId },
  ];
  const msgRow: SplitRow = { name: "MSG", value: message };
  if (message !== withBom) msgRow.note = "starts with a UTF-8 BOM";
  return {
    sections: [
      { title: "Syslog header (RFC 5424)", rows },
      ...sd.sections,
      { title: "Syslog message", rows: [msgRow] },
    ],
    message,
  };
}

function rfc3164(text: string, framing: SplitRow[]): SyslogSplit | undefined {
  const header = RFC3164.exec(text);
  if (!header) return undefined;
  const [, pri = "", time = "", host = "", tag = ""] = header;
  const message = text.slice(header[0].length);
  const rows = [
    ...framing,
    priRow(pri),
    { name: "TIMESTAMP", value: time },
    { name: "HOSTNAME", value: host },
    { name: "TAG", value: tag },
  ];
  return {
    sections: [
      { title: "Syslog header (RFC 3164)", rows },
      { title: "Syslog message", rows: [{ name: "MSG", value: message }] },
    ],
    message,
  };
}

/** A syslog message (octet-counted or not) split into its parts; none when it is not one. */
export function splitSyslog(body: string): SyslogSplit | undefined {
  const counted = /^(\d+) (?=<)/.exec(body);
  const framing: SplitRow[] = counted
    ? [{ name: "MSG-LEN", value: counted[1] as string, note: "octet-counting framing (RFC 6587)" }]
    : [];
  const text = body.slice(counted ? counted[0].length : 0).replace(/\n$/, "");
  return rfc5424(text, framing) ?? rfc3164(text, framing);
}
