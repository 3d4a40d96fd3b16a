import { HighlightStyle, StreamLanguage, type StringStream } from "@codemirror/language";
import { tags } from "@lezer/highlight";

// Handlebars for CodeMirror 6: the tags ({{ }}, {{{ }}}, {{# }}…{{/ }}, {{! }}, {{!-- --}}) and what
// is inside them. The JSON, XML or text between tags is left plain: it is whatever the format sends.

interface HandlebarsState {
  inside: "text" | "tag" | "comment" | "longComment";
  /** Whether the tag's first word (its helper or path) has been read. */
  named: boolean;
  /** Whether the tag opens or closes a block ({{#each}}, {{/each}}): its first word is a helper. */
  block: boolean;
}

function text(stream: StringStream, state: HandlebarsState): string | null {
  if (stream.match("{{!--")) {
    state.inside = "longComment";
    return "comment";
  }
  if (stream.match(/^\{\{~?!/)) {
    state.inside = "comment";
    return "comment";
  }
  if (stream.match(/^\{\{\{?~?/)) {
    state.inside = "tag";
    state.named = false;
    state.block = false;
    return "brace";
  }
  // Up to the next tag, which the next call reads.
  if (!stream.skipTo("{{")) stream.skipToEnd();
  return null;
}

function comment(stream: StringStream, state: HandlebarsState, end: string): string {
  if (stream.skipTo(end)) {
    stream.match(end);
    state.inside = "text";
  } else {
    stream.skipToEnd();
  }
  return "comment";
}

/** The first word of a tag or subexpression: a helper when it opens a block or arguments follow, else a path. */
function firstWord(stream: StringStream, state: HandlebarsState): string {
  state.named = true;
  return state.block || stream.match(/^\s+[^\s~}]/, false) ? "variableName.function" : "variableName";
}

function inTag(stream: StringStream, state: HandlebarsState): string | null {
  if (stream.eatSpace()) return null;
  if (stream.match(/^~?\}\}\}?/)) {
    state.inside = "text";
    return "brace";
  }
  if (!state.named && stream.match(/^(#\*?|\/|\^)/)) {
    state.block = true;
    return "keyword";
  }
  if (!state.named && stream.match(/^[>&]/)) return "keyword";
  if (!state.named && stream.match(/^else\b/)) {
    state.named = true;
    return "keyword";
  }
  if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^'(?:[^'\\]|\\.)*'?/)) return "string";
  if (stream.match(/^-?\d+(?:\.\d+)?(?=[\s)}~])/)) return "number";
  if (stream.match(/^(?:true|false|null|undefined)(?=[\s)}~])/)) return "atom";
  if (stream.match(/^as\s+\|[^|]*\|/)) return "keyword";
  if (stream.match("(")) {
    state.named = false;
    state.block = false;
    return "paren";
  }
  if (stream.match(")")) return "paren";
  if (stream.match(/^@[\w$]+/)) return "variableName.special";
  if (stream.match(/^[\w$-]+(?==)/)) return "propertyName";
  if (stream.match("=")) return "operator";
  if (stream.match(/^[^\s(){}=~"'|]+/)) return state.named ? "variableName" : firstWord(stream, state);
  stream.next();
  return null;
}

export const handlebarsLanguage = StreamLanguage.define<HandlebarsState>({
  name: "handlebars",
  startState: () => ({ inside: "text", named: false, block: false }),
  token(stream, state) {
    switch (state.inside) {
      case "text":
        return text(stream, state);
      case "comment":
        return comment(stream, state, "}}");
      case "longComment":
        return comment(stream, state, "--}}");
      default:
        return inTag(stream, state);
    }
  },
  languageData: { commentTokens: { block: { open: "{{!--", close: "--}}" } } },
});

/** Classes rather than colours: editor-theme.ts gives each its colour, in the light and the dark scheme. */
export const handlebarsHighlight = HighlightStyle.define([
  { tag: tags.brace, class: "hb-brace" },
  { tag: tags.keyword, class: "hb-keyword" },
  { tag: tags.string, class: "hb-string" },
  { tag: [tags.number, tags.atom], class: "hb-literal" },
  { tag: tags.comment, class: "hb-comment" },
  { tag: tags.function(tags.variableName), class: "hb-helper" },
  { tag: tags.special(tags.variableName), class: "hb-data" },
  { tag: tags.variableName, class: "hb-path" },
  { tag: tags.propertyName, class: "hb-hash" },
  { tag: [tags.paren, tags.operator], class: "hb-punctuation" },
]);
