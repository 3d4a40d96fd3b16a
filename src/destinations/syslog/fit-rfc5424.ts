// An RFC 5424 message fitted to a byte budget without breaking it: the header stays, every
// SD-ELEMENT stays closed, PARAM-VALUEs are shortened or dropped whole, MSG is shortened last.
import { fitMsg } from "./fit-msg";
import { cutText, describeReport, type PlanItem, planFit } from "./fit-plan";

const BOM = "\uFEFF";
const BOM_BYTES = 3;
/** A MSG with less room than this is left out rather than cut to a stub. */
const MIN_MSG_BYTES = 8;
/** SD-PARAMs that carry the event's identity: cut or dropped last of all. */
const PROTECTED_PARAMS = new Set(["id", "type", "severity", "source"]);

export interface SdParam {
  name: string;
  /** As written: ", \ and ] escaped. */
  value: string;
}

export interface SdElement {
  id: string;
  params: SdParam[];
}

/** A message in its parts, each as written. */
export interface Rfc5424Parts {
  /** PRI, VERSION, TIMESTAMP, HOSTNAME, APP-NAME, PROCID and MSGID with the spaces between them. */
  header: string;
  /** null: NILVALUE ("-"). */
  elements: SdElement[] | null;
  /** Without the BOM; null when the message has none. */
  msg: string | null;
  bom: boolean;
}

/**
 * Splits an RFC 5424 message as Herald writes it into its parts; undefined when it is not one
 * (the caller then leaves it to the sender's cut). Linear: values are found with indexOf.
 */
export function parseRfc5424Parts(message: string): Rfc5424Parts | undefined {
  if (!message.startsWith("<")) return undefined;
  let at = -1;
  for (let field = 0; field < 6; field++) {
    at = message.indexOf(" ", at + 1);
    if (at < 0) return undefined;
  }
  const header = message.slice(0, at);
  at++;
  let elements: SdElement[] | null = null;
  if (message[at] === "-") {
    at++;
  } else {
    elements = [];
    while (message[at] === "[") {
      const element = readElement(message, at + 1);
      if (!element) return undefined;
      elements.push(element.element);
      at = element.end;
    }
    if (elements.length === 0) return undefined;
  }
  if (at === message.length) return { header, elements, msg: null, bom: false };
  if (message[at] !== " ") return undefined;
  const rest = message.slice(at + 1);
  const bom = rest.startsWith(BOM);
  return { header, elements, msg: bom ? rest.slice(1) : rest, bom };
}

/** One SD-ELEMENT from just after its "[" to just after its "]". */
function readElement(message: string, start: number): { element: SdElement; end: number } | undefined {
  const idEnd = nameEnd(message, start);
  if (idEnd === start) return undefined;
  const element: SdElement = { id: message.slice(start, idEnd), params: [] };
  let at = idEnd;
  while (message[at] === " ") {
    const nameStart = at + 1;
    const equals = nameEnd(message, nameStart);
    if (equals === nameStart || message[equals] !== "=" || message[equals + 1] !== '"') return undefined;
    const valueStart = equals + 2;
    const quote = closingQuote(message, valueStart);
    if (quote < 0) return undefined;
    element.params.push({ name: message.slice(nameStart, equals), value: message.slice(valueStart, quote) });
    at = quote + 1;
  }
  return message[at] === "]" ? { element, end: at + 1 } : undefined;
}

/** Where an SD-NAME starting at `start` ends: at "=", space, "]" or a quote. */
function nameEnd(message: string, start: number): number {
  let at = start;
  while (at < message.length && !'= ]"'.includes(message[at] as string)) at++;
  return at;
}

/** The quote that closes a PARAM-VALUE: the first not escaped by an odd run of backslashes. */
function closingQuote(message: string, start: number): number {
  let from = start;
  for (;;) {
    const quote = message.indexOf('"', from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (message.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

export function joinRfc5424Parts({ header, elements, msg, bom }: Rfc5424Parts): string {
  const sd =
    elements === null
      ? "-"
      : elements
          .map(
            ({ id, params }) => `[${id}${params.map(({ name, value }) => ` ${name}="${value}"`).join("")}]`,
          )
          .join("");
  return msg === null ? `${header} ${sd}` : `${header} ${sd} ${bom ? BOM : ""}${msg}`;
}

export interface Fitted {
  message: string;
  /** What was cut or dropped, by name, for the warning ("SD-PARAM values cut: data.summary"). */
  notes: string[];
}

/**
 * `message` fitted to `maxBytes`: PARAM-VALUEs (longest first, never an escape cut in half) are
 * shortened, then whole SD-PARAMs dropped (largest first), the event's id, type, severity and
 * source last of all; only then is MSG shortened (structurally: see fitMsg). Unchanged when it
 * fits; undefined when it is not an RFC 5424 message.
 */
export function fitRfc5424(message: string, maxBytes: number): Fitted | undefined {
  if (Buffer.byteLength(message) <= maxBytes) return { message, notes: [] };
  const parts = parseRfc5424Parts(message);
  if (!parts) return undefined;
  let target = maxBytes;
  let fitted = fitParts(parts, target);
  // The plan counts bytes exactly; this only guards against a miscount, by the amount it was over.
  for (let attempt = 0; attempt < 2; attempt++) {
    const over = Buffer.byteLength(fitted.message) - maxBytes;
    if (over <= 0) break;
    target -= over;
    fitted = fitParts(parts, target);
  }
  return fitted;
}

function fitParts(parts: Rfc5424Parts, maxBytes: number): Fitted {
  const params = (parts.elements ?? []).flatMap((element) => element.params);
  const items: PlanItem[] = params.map(({ name, value }) => ({
    size: Buffer.byteLength(value),
    // ` name="` and `"`
    overhead: name.length + 4,
    role: PROTECTED_PARAMS.has(name) ? "protected" : "droppable",
  }));
  const sdFrame =
    parts.elements === null
      ? 1
      : parts.elements.reduce((sum, element) => sum + Buffer.byteLength(element.id) + 2, 0);
  const fixed = Buffer.byteLength(parts.header) + 1 + sdFrame;
  const msgBytes = (msg: string | null) =>
    msg === null ? 0 : 1 + (parts.bom ? BOM_BYTES : 0) + Buffer.byteLength(msg);

  const notes: string[] = [];
  let msg = parts.msg;
  let plan = planFit(items, maxBytes - fixed - msgBytes(msg), { shortenProtected: false });
  if (!plan.fits) {
    // Every unprotected SD-PARAM is gone and it still does not fit: MSG gets what is left.
    let protectedBytes = 0;
    items.forEach((item) => {
      if (item.role === "protected") protectedBytes += item.overhead + item.size;
    });
    const room = maxBytes - fixed - protectedBytes - msgBytes("");
    if (msg !== null && room >= MIN_MSG_BYTES) {
      const shorter = fitMsg(msg, room);
      msg = shorter.msg;
      notes.push(...shorter.notes);
    } else if (msg !== null) {
      msg = null;
      notes.push("MSG dropped");
    }
    plan = planFit(items, maxBytes - fixed - msgBytes(msg), { shortenProtected: true });
  }

  const cut: string[] = [];
  const dropped: string[] = [];
  let index = 0;
  const elements =
    parts.elements?.map((element) => ({
      id: element.id,
      params: element.params.flatMap((param) => {
        const at = index++;
        if (plan.dropped[at]) {
          dropped.push(param.name);
          return [];
        }
        const value = cutText(param.value, plan.caps[at] ?? 0, true);
        if (value !== param.value) cut.push(param.name);
        return [{ name: param.name, value }];
      }),
    })) ?? null;
  return {
    message: joinRfc5424Parts({ ...parts, elements, msg }),
    notes: [...describeReport({ what: "SD-PARAM", cut, dropped }), ...notes],
  };
}
