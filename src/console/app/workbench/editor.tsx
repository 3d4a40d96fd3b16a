import { defaultKeymap, history, historyKeymap, isolateHistory } from "@codemirror/commands";
import { bracketMatching, syntaxHighlighting } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { drawSelection, EditorView, highlightSpecialChars, keymap, lineNumbers } from "@codemirror/view";
import type { RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { editorTheme } from "./editor-theme";
import { setTemplateError, type TemplateErrorAt, templateErrorField } from "./error-mark";
import { handlebarsHighlight, handlebarsLanguage } from "./handlebars";

export interface TemplateEditorProps {
  /** The text the editor opens with; replaceText changes it later. */
  initial: string;
  readOnly: boolean;
  /** The error to mark at its line and column; none clears the mark. */
  error: TemplateErrorAt | undefined;
  /** The editor's accessible name (a label's id cannot reach into its shadow root). */
  label: string;
  onChange(text: string): void;
  /** Given the editor once it is made: for moving to an error, for replacing the text. The text is
   * not a prop kept in step with the editor: a render a keystroke behind would undo that keystroke. */
  viewRef: RefObject<EditorView | undefined>;
}

/**
 * Typing over a selection that starts in a highlighted token makes Chrome's own editing wrap the
 * new character in a style attribute (to keep the look of the text it replaced), which the CSP
 * refuses: a console error and nothing else. The editor types over selections itself instead.
 */
const typeOverSelection = EditorView.domEventHandlers({
  beforeinput(event, view) {
    const { data } = event;
    if (event.inputType !== "insertText" || data === null || view.state.selection.main.empty) return false;
    event.preventDefault();
    if (!view.state.readOnly) {
      view.dispatch({ ...view.state.replaceSelection(data), scrollIntoView: true, userEvent: "input.type" });
    }
    return true;
  },
});

/** Replaces the whole text (Reset to default), as a change of its own that Ctrl+Z undoes. */
export function replaceText(view: EditorView, text: string): void {
  view.dispatch({
    changes: { from: 0, to: view.state.doc.length, insert: text },
    annotations: isolateHistory.of("full"),
  });
}

/**
 * CodeMirror 6 with Handlebars highlighting, in a shadow root (see editor-theme.ts). Tab is left
 * to move the focus on, as everywhere else.
 */
export function TemplateEditor({ initial, readOnly, error, label, onChange, viewRef }: TemplateEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    const element = host.current as HTMLDivElement;
    const shadow = element.shadowRoot ?? element.attachShadow({ mode: "open" });
    // An explicit tabindex: axe counts the scroller's content as reachable by keyboard only with one.
    const attributes = {
      "aria-label": label,
      tabindex: "0",
      ...(readOnly ? { "aria-readonly": "true" } : {}),
    };
    const view = new EditorView({
      parent: shadow,
      root: shadow,
      state: EditorState.create({
        doc: initial,
        extensions: [
          lineNumbers(),
          highlightSpecialChars(),
          history(),
          drawSelection(),
          bracketMatching(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          typeOverSelection,
          handlebarsLanguage,
          syntaxHighlighting(handlebarsHighlight),
          templateErrorField,
          EditorView.lineWrapping,
          EditorState.readOnly.of(readOnly),
          EditorView.contentAttributes.of(attributes),
          EditorView.contentAttributes.of((view) =>
            view.state.field(templateErrorField).size > 0 ? { "aria-invalid": "true" } : null,
          ),
          editorTheme,
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    viewRef.current = view;
    return () => {
      viewRef.current = undefined;
      view.destroy();
    };
  }, []);

  useEffect(() => {
    viewRef.current?.dispatch({ effects: setTemplateError.of(error) });
  }, [error]);

  return <div class="template-editor" ref={host} />;
}
