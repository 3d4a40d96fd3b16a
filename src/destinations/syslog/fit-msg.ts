// A syslog MSG fitted to a byte budget by what it is: a CEF or LEEF line stays a line its SIEM
// parses, JSON stays JSON, anything else is cut at a character boundary with "…".
import { fitCef } from "./fit-cef";
import { fitJson, PROTECTED_JSON_KEYS } from "./fit-json";
import { fitLeef } from "./fit-leef";
import { cutText, describeReport, type FitReport } from "./fit-plan";

export interface FittedMsg {
  msg: string;
  /** What was cut or dropped, by name ("CEF values cut: cs1 (summary)", "MSG cut"). */
  notes: string[];
}

type StructuredFit = (msg: string, maxBytes: number) => { msg: string; report: FitReport } | undefined;

type Json = Parameters<typeof fitJson>[0];

function parsedJson(msg: string): Json | undefined {
  const start = msg.trimStart()[0];
  if (start !== "{" && start !== "[") return undefined;
  try {
    return JSON.parse(msg);
  } catch {
    return undefined;
  }
}

/** JSON reduced to its top level's protected members, when even their keys leave no room for more. */
function identityOnly(json: Json): Json {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return {};
  return Object.fromEntries(Object.entries(json).filter(([key]) => PROTECTED_JSON_KEYS.has(key)));
}

/** Which structure `msg` has: the ways to fit it, tried in order; none for free text. */
function structureOf(msg: string): StructuredFit[] {
  if (msg.startsWith("CEF:")) return [fitCef];
  if (msg.startsWith("LEEF:")) return [fitLeef];
  const json = parsedJson(msg);
  if (json === undefined) return [];
  const reduced = identityOnly(json);
  const note = (report: FitReport) => ({ ...report, dropped: ["everything but its identity"] });
  return [
    (_, maxBytes) => fitJson(json, maxBytes),
    (_, maxBytes) => {
      const fitted = fitJson(reduced, maxBytes);
      return { msg: fitted.msg, report: note(fitted.report) };
    },
    () => ({ msg: "{}", report: note({ what: "JSON", cut: [], dropped: [] }) }),
  ];
}

/**
 * `msg` in at most `maxBytes` UTF-8 bytes, as the same kind of text (see the top of this file).
 * Unchanged when it fits. A structure that cannot be kept within the budget (its fixed parts alone
 * are larger) falls back to a cut at a character boundary.
 */
export function fitMsg(msg: string, maxBytes: number): FittedMsg {
  if (Buffer.byteLength(msg) <= maxBytes) return { msg, notes: [] };
  for (const fitStructure of structureOf(msg)) {
    let target = maxBytes;
    // The plans count bytes exactly; a miscount is corrected by what it was over, twice at most.
    for (let attempt = 0; attempt < 3; attempt++) {
      const fitted = fitStructure(msg, target);
      if (!fitted) break;
      const over = Buffer.byteLength(fitted.msg) - maxBytes;
      if (over <= 0) return { msg: fitted.msg, notes: describeReport(fitted.report) };
      target -= over;
    }
  }
  return { msg: cutText(msg, maxBytes, false), notes: ["MSG cut"] };
}
