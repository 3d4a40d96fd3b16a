import { type EditorState, StateEffect, StateField } from "@codemirror/state";
import { Decoration, type DecorationSet, EditorView } from "@codemirror/view";

/** A template error where the API located it: line and column count from 1. */
export interface TemplateErrorAt {
  message: string;
  line: number;
  column: number;
}

/** Sets (or with undefined, clears) the error shown in the editor. */
export const setTemplateError = StateEffect.define<TemplateErrorAt | undefined>();

/** The document position of a line and column, moved inside the document if it lies beyond. */
export function positionOf(state: EditorState, at: Pick<TemplateErrorAt, "line" | "column">): number {
  const line = state.doc.line(Math.min(Math.max(at.line, 1), state.doc.lines));
  return line.from + Math.min(Math.max(at.column - 1, 0), line.length);
}

function decorationsFor(state: EditorState, error: TemplateErrorAt): DecorationSet {
  const position = positionOf(state, error);
  const line = state.doc.lineAt(position);
  // The character at the column, or the one before it when the column is the end of the line.
  const from = position < line.to ? position : Math.max(line.from, position - 1);
  const to = Math.min(from + 1, line.to);
  const marks = [Decoration.line({ class: "cm-template-error-line" }).range(line.from)];
  if (to > from) {
    marks.push(
      Decoration.mark({ class: "cm-template-error", attributes: { title: error.message } }).range(from, to),
    );
  }
  return Decoration.set(marks);
}

/** The error's line and character, moved with the text as it is edited until the next answer replaces them. */
export const templateErrorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, transaction) {
    let next = transaction.docChanged ? marks.map(transaction.changes) : marks;
    for (const effect of transaction.effects) {
      if (effect.is(setTemplateError)) {
        next = effect.value ? decorationsFor(transaction.state, effect.value) : Decoration.none;
      }
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});
