import { EditorView } from "@codemirror/view";

// The editor's look. CodeMirror puts its styles in a <style> element when it lives in the document,
// which the console's Content-Security-Policy (style-src 'self') refuses; in a shadow root it uses
// a constructed stylesheet (adoptedStyleSheets), which the policy allows. So the editor lives in a
// shadow root, and its styles, the highlighting's and the error mark's too, are this theme. Colours
// are the console's CSS variables (workbench.css), which the shadow root inherits: light and dark follow.
export const editorTheme = EditorView.theme({
  "&": {
    height: "60vh",
    minHeight: "20rem",
    backgroundColor: "var(--bg)",
    color: "var(--text)",
    border: "1px solid var(--border)",
    borderRadius: "4px",
  },
  "&.cm-focused": { outline: "2px solid var(--focus)", outlineOffset: "1px" },
  ".cm-scroller": { overflow: "auto", fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" },
  ".cm-content": { caretColor: "var(--text)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--text)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection":
    { backgroundColor: "var(--selection)" },
  ".cm-gutters": {
    backgroundColor: "var(--surface)",
    color: "var(--muted)",
    borderRight: "1px solid var(--border)",
  },
  "&.cm-focused .cm-matchingBracket": {
    backgroundColor: "var(--selection)",
    outline: "1px solid var(--muted)",
  },
  ".hb-brace": { color: "var(--hb-brace)", fontWeight: "600" },
  ".hb-keyword": { color: "var(--hb-keyword)", fontWeight: "600" },
  ".hb-string": { color: "var(--hb-string)" },
  ".hb-literal": { color: "var(--hb-literal)" },
  ".hb-comment": { color: "var(--hb-comment)", fontStyle: "italic" },
  ".hb-helper": { color: "var(--hb-helper)" },
  ".hb-data": { color: "var(--hb-data)" },
  ".hb-path, .hb-hash, .hb-punctuation": { color: "var(--hb-path)" },
  ".cm-template-error": { textDecoration: "underline wavy var(--bad-text)", textDecorationSkipInk: "none" },
  ".cm-template-error-line": { boxShadow: "inset 4px 0 0 var(--bad-text)" },
});
