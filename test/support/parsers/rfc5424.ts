/**
 * A strict RFC 5424 parser over the message's bytes, written from the RFC's ABNF (section 6),
 * independent of src/formats/syslog.ts:
 *   SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG]
 *   HEADER     = "<" PRIVAL ">" VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
 * Header fields are NILVALUE ("-") or PRINTUSASCII (33–126) up to 255/48/128/32 octets.
 * SD-ELEMENT = "[" SD-ID *(SP PARAM-NAME "=" DQUOTE PARAM-VALUE DQUOTE) "]", SD-NAMEs 1–32
 * printable octets but = SP ] DQUOTE; in PARAM-VALUE, " \ ] are escaped with "\" (a backslash
 * before anything else is itself). MSG is UTF-8, with a BOM (EF BB BF) for MSG-UTF8.
 */

export interface SdElement {
  id: string;
  params: [name: string, value: string][];
}

export interface SyslogMessage {
  prival: number;
  facility: number;
  severity: number;
  version: number;
  timestamp: string | null;
  hostname: string | null;
  appName: string | null;
  procId: string | null;
  msgId: string | null;
  structuredData: SdElement[];
  bom: boolean;
  msg: string | null;
}

export class SyslogParseError extends Error {
  override name = "SyslogParseError";
}

const SP = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE = 0x5d;
/** SD-IDs without "@" must be registered with IANA (RFC 5424 section 7). */
const REGISTERED_SD_IDS = new Set(["timeQuality", "origin", "meta"]);
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-](\d{2}):(\d{2}))$/;
// ignoreBOM: keep a U+FEFF that is part of the text; the MSG BOM is taken off by hand.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.bytes.length;
  }
  peek(): number | undefined {
    return this.bytes[this.at];
  }
  expect(byte: number, what: string): void {
    if (this.bytes[this.at] !== byte) throw new SyslogParseError(`expected ${what} at octet ${this.at}`);
    this.at++;
  }
  /** Printable US-ASCII octets up to the next space (or the end), as text. */
  token(what: string, maxLength: number, excluded: number[] = []): string {
    const start = this.at;
    while (!this.done && this.peek() !== SP) {
      const byte = this.peek() ?? 0;
      if (byte < 33 || byte > 126 || excluded.includes(byte)) {
        throw new SyslogParseError(`${what}: octet ${byte} at ${this.at} is not allowed`);
      }
      this.at++;
    }
    const length = this.at - start;
    if (length === 0 || length > maxLength) throw new SyslogParseError(`${what}: ${length} octets`);
    return Buffer.from(this.bytes.subarray(start, this.at)).toString("latin1");
  }
}

function nilOr(text: string): string | null {
  return text === "-" ? null : text;
}

function checkTimestamp(text: string): void {
  const parts = TIMESTAMP.exec(text);
  if (!parts) throw new SyslogParseError(`TIMESTAMP ${text} is not RFC 3339 as RFC 5424 restricts it`);
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = parts
    .slice(1)
    .map((part) => Number(part ?? 0));
  const daysInMonth = new Date(Date.UTC(year ?? 0, month ?? 0, 0)).getUTCDate();
  const inRange = (value: number | undefined, min: number, max: number) =>
    value !== undefined && value >= min && value <= max;
  const valid =
    inRange(month, 1, 12) &&
    inRange(day, 1, daysInMonth) &&
    inRange(hour, 0, 23) &&
    inRange(minute, 0, 59) &&
    inRange(second, 0, 59) &&
    inRange(offsetHours, 0, 23) &&
    inRange(offsetMinutes, 0, 59);
  if (!valid) throw new SyslogParseError(`TIMESTAMP ${text} is out of range`);
}

function checkSdId(id: string, seen: Set<string>): void {
  const at = id.indexOf("@");
  if (at < 0 && !REGISTERED_SD_IDS.has(id)) throw new SyslogParseError(`unregistered SD-ID ${id}`);
  if (at >= 0 && !/^[^@]+@\d+(?:\.\d+)*$/.test(id)) throw new SyslogParseError(`bad SD-ID ${id}`);
  if (seen.has(id)) throw new SyslogParseError(`SD-ID ${id} appears twice`);
  seen.add(id);
}

function paramValue(reader: Reader): string {
  const out: number[] = [];
  for (;;) {
    const byte = reader.peek();
    if (byte === undefined) throw new SyslogParseError("PARAM-VALUE not closed");
    reader.at++;
    if (byte === QUOTE) break;
    if (byte === CLOSE) throw new SyslogParseError(`unescaped "]" in PARAM-VALUE at octet ${reader.at - 1}`);
    if (byte === BACKSLASH) {
      const next = reader.peek();
      if (next === QUOTE || next === BACKSLASH || next === CLOSE) {
        out.push(next);
        reader.at++;
        continue;
      }
    }
    out.push(byte);
  }
  try {
    return utf8.decode(Uint8Array.from(out));
  } catch {
    throw new SyslogParseError("PARAM-VALUE is not UTF-8");
  }
}

const NOT_IN_SD_NAME = [0x3d, SP, CLOSE, QUOTE];

function structuredData(reader: Reader): SdElement[] {
  if (reader.peek() === 0x2d) {
    reader.at++;
    return [];
  }
  const elements: SdElement[] = [];
  const seen = new Set<string>();
  while (reader.peek() === 0x5b) {
    reader.at++;
    const id = readSdName(reader, "SD-ID");
    checkSdId(id, seen);
    const params: [string, string][] = [];
    while (reader.peek() === SP) {
      reader.at++;
      const name = readSdName(reader, "PARAM-NAME");
      reader.expect(0x3d, '"="');
      reader.expect(QUOTE, "a quote");
      params.push([name, paramValue(reader)]);
    }
    reader.expect(CLOSE, '"]"');
    elements.push({ id, params });
  }
  if (elements.length === 0) throw new SyslogParseError("STRUCTURED-DATA is neither - nor [ … ]");
  return elements;
}

/** An SD-NAME ends at "=", space or "]"; it may contain none of them, nor a quote. */
function readSdName(reader: Reader, what: string): string {
  const start = reader.at;
  while (!reader.done && ![0x3d, SP, CLOSE].includes(reader.peek() ?? 0)) {
    const byte = reader.peek() ?? 0;
    if (byte < 33 || byte > 126 || NOT_IN_SD_NAME.includes(byte)) {
      throw new SyslogParseError(`${what}: octet ${byte} at ${reader.at} is not allowed`);
    }
    reader.at++;
  }
  const length = reader.at - start;
  if (length === 0 || length > 32) throw new SyslogParseError(`${what}: ${length} octets`);
  return Buffer.from(reader.bytes.subarray(start, reader.at)).toString("latin1");
}

export function parseRfc5424(message: string | Uint8Array): SyslogMessage {
  const reader = new Reader(typeof message === "string" ? Buffer.from(message, "utf8") : message);
  reader.expect(0x3c, '"<"');
  const priText = reader.token("PRI", 5);
  const pri = /^(0|[1-9]\d{0,2})>1$/.exec(priText);
  const prival = Number(pri?.[1]);
  if (!pri || prival > 191) throw new SyslogParseError(`bad PRI/VERSION ${priText}`);
  reader.expect(SP, "SP after VERSION");
  const timestamp = nilOr(reader.token("TIMESTAMP", 32));
  if (timestamp !== null) checkTimestamp(timestamp);
  const fields: (string | null)[] = [];
  for (const [what, maxLength] of [
    ["HOSTNAME", 255],
    ["APP-NAME", 48],
    ["PROCID", 128],
    ["MSGID", 32],
  ] as const) {
    reader.expect(SP, `SP before ${what}`);
    fields.push(nilOr(reader.token(what, maxLength)));
  }
  reader.expect(SP, "SP before STRUCTURED-DATA");
  const sd = structuredData(reader);

  let msg: string | null = null;
  let bom = false;
  if (!reader.done) {
    reader.expect(SP, "SP before MSG");
    let rest = reader.bytes.subarray(reader.at);
    bom = rest[0] === 0xef && rest[1] === 0xbb && rest[2] === 0xbf;
    if (bom) rest = rest.subarray(3);
    try {
      msg = utf8.decode(rest);
    } catch {
      throw new SyslogParseError("MSG is not UTF-8");
    }
  }
  const [hostname = null, appName = null, procId = null, msgId = null] = fields;
  return {
    prival,
    facility: Math.floor(prival / 8),
    severity: prival % 8,
    version: 1,
    timestamp,
    hostname,
    appName,
    procId,
    msgId,
    structuredData: sd,
    bom,
    msg,
  };
}
