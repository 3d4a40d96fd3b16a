// A JSON parser's state, stepped over a template's literal text, with the values its mustaches
// insert taken as whole tokens: json-proof.ts runs it over every way through a template.

/** What a JSON text's top-level value is. */
export type JsonKind = "object" | "array" | "string" | "scalar" | "inserted";

/** What may come next: a value, a key, a colon, a comma or a close ("next"), nothing ("end"). */
type Expect = "value" | "first-value" | "key" | "first-key" | "colon" | "next" | "end";

/** An open object (with its keys so far, to refuse a key twice) or array. */
interface Frame {
  kind: "{" | "[";
  keys: string[];
}

export interface JsonState {
  expect: Expect;
  open: Frame[];
  /** Inside a string: a key (its raw text so far) or a value. */
  string?: { key: string } | "value";
  top?: JsonKind;
}

export const START: JsonState = { expect: "value", open: [] };
/** Deeper than this, a template is not proven (it would mean a loop that opens without closing). */
const MAX_DEPTH = 64;

export function stateKey(state: JsonState): string {
  return JSON.stringify(state);
}

/** A state to step on, sharing nothing with `state`: one state may go down several ways. */
function copy(state: JsonState): JsonState {
  const { string } = state;
  return {
    ...state,
    open: state.open.map((frame) => ({ kind: frame.kind, keys: [...frame.keys] })),
    string: typeof string === "object" ? { key: string.key } : string,
  };
}

function expectsValue(state: JsonState): boolean {
  return state.string === undefined && (state.expect === "value" || state.expect === "first-value");
}

/** A value starts (its first token); false when none may. */
export function startValue(state: JsonState, kind: JsonKind): boolean {
  if (!expectsValue(state)) return false;
  if (state.open.length === 0) state.top = kind;
  return true;
}

/** A value ended: a comma or a close follows, or nothing at the top level. */
export function endValue(state: JsonState): void {
  state.expect = state.open.length === 0 ? "end" : "next";
}

/** Array index keys: V8 puts them first, so a parse and re-serialisation would reorder them. */
const INDEX_KEY = /^(?:0|[1-9]\d*)$/;
/** A literal number exactly as JSON.stringify writes it, or true, false, null. */
const LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
/** The escapes JSON.stringify writes; \uXXXX only for the control characters without a short one. */
const ESCAPE = /\\(?:["\\bfnrt]|u00(?:0[0-7bef]|1[0-9a-f]))/y;

/**
 * Steps `state` over literal template text, returning the text without the whitespace between
 * tokens, or undefined when the text could break the JSON or would not come out of a parse and
 * re-serialisation byte for byte (a number written "1.0", an escape written "\/", a key twice).
 */
export function lexContent(text: string, from: JsonState): { state: JsonState; text: string } | undefined {
  if (!text.isWellFormed()) return undefined;
  const state = copy(from);
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    const { string } = state;
    if (string !== undefined) {
      if (char === '"') {
        if (!endString(state)) return undefined;
        out += char;
        continue;
      }
      let piece = char;
      if (char === "\\") {
        ESCAPE.lastIndex = i;
        const sequence = ESCAPE.exec(text)?.[0];
        if (!sequence) return undefined;
        piece = sequence;
        i += sequence.length - 1;
      } else if (char < " ") {
        return undefined;
      }
      if (typeof string === "object") string.key += piece;
      out += piece;
      continue;
    }
    if (char === " " || char === "\t" || char === "\n" || char === "\r") continue;
    if (!step(state, text, i, char)) return undefined;
    if (char === '"' || "{}[],:".includes(char)) {
      out += char;
      continue;
    }
    LITERAL.lastIndex = i;
    const literal = LITERAL.exec(text)?.[0] as string;
    // A literal that reaches the end of the text could go on in what follows.
    const next = text[i + literal.length];
    if (next === undefined || /[\w.+-]/.test(next)) return undefined;
    if (!/^[tfn]/.test(literal) && JSON.stringify(Number(literal)) !== literal) return undefined;
    endValue(state);
    out += literal;
    i += literal.length - 1;
  }
  return { state, text: out };
}

/** One token outside a string; false when the JSON would break. */
function step(state: JsonState, text: string, at: number, char: string): boolean {
  const frame = state.open.at(-1);
  switch (char) {
    case "{":
    case "[":
      if (!startValue(state, char === "{" ? "object" : "array") || state.open.length >= MAX_DEPTH)
        return false;
      state.open.push({ kind: char, keys: [] });
      state.expect = char === "{" ? "first-key" : "first-value";
      return true;
    case "}":
    case "]": {
      const opened = char === "}" ? "{" : "[";
      const empty = state.expect === (char === "}" ? "first-key" : "first-value");
      if (frame?.kind !== opened || !(empty || state.expect === "next")) return false;
      state.open.pop();
      endValue(state);
      return true;
    }
    case ",":
      if (state.expect !== "next") return false;
      state.expect = frame?.kind === "{" ? "key" : "value";
      return true;
    case ":":
      if (state.expect !== "colon") return false;
      state.expect = "value";
      return true;
    case '"':
      if (state.expect === "key" || state.expect === "first-key") state.string = { key: "" };
      else if (startValue(state, "string")) state.string = "value";
      else return false;
      return true;
    default:
      LITERAL.lastIndex = at;
      return LITERAL.test(text) && startValue(state, "scalar");
  }
}

/** A string's closing quote: a key must be new to its object and not an array index. */
function endString(state: JsonState): boolean {
  const { string } = state;
  state.string = undefined;
  if (string === "value") {
    endValue(state);
    return true;
  }
  const key = JSON.parse(`"${string?.key}"`) as string;
  const frame = state.open.at(-1);
  if (!frame || frame.keys.includes(key) || INDEX_KEY.test(key)) return false;
  frame.keys.push(key);
  state.expect = "colon";
  return true;
}

/** A whole value inserted where one may stand (a `{{json …}}`). */
export function insertValue(from: JsonState, kind: JsonKind): JsonState | undefined {
  const state = copy(from);
  if (!startValue(state, kind)) return undefined;
  endValue(state);
  return state;
}

export function isComplete(state: JsonState): boolean {
  return state.expect === "end" && state.string === undefined && state.open.length === 0;
}
