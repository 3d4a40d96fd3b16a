import { EditorSelection } from "@codemirror/state";
import type { EditorView } from "@codemirror/view";
import type { RefObject } from "preact";
import type { Issue } from "../types";
import { positionOf, type TemplateErrorAt } from "./error-mark";

/** Whether an issue of the API is about the template (POST /preview names it "template" or "webhook.template"). */
export const isTemplateIssue = (issue: Issue) => /^(webhook\.)?template(\.|$)/.test(issue.path);

/** The first template issue that has a place, to be marked in the editor. */
export function locatedError(issues: Issue[]): TemplateErrorAt | undefined {
  const located = issues.find((issue) => isTemplateIssue(issue) && issue.line !== undefined);
  if (!located) return undefined;
  return { message: located.message, line: located.line as number, column: located.column ?? 1 };
}

/** Puts the cursor at the error and the focus in the editor. */
function goTo(view: EditorView | undefined, at: TemplateErrorAt) {
  if (!view) return;
  const position = positionOf(view.state, at);
  view.dispatch({ selection: EditorSelection.cursor(position), scrollIntoView: true });
  view.focus();
}

/**
 * The template's errors under the editor, each with its line and column and a button that moves
 * there. A polite live region: errors come and go while one types, and must not interrupt.
 */
export function TemplateErrors({
  issues,
  viewRef,
}: {
  issues: Issue[];
  viewRef: RefObject<EditorView | undefined>;
}) {
  const shown = issues.filter(isTemplateIssue);
  return (
    <div class="template-errors" aria-live="polite">
      {shown.map((issue) => {
        const at =
          issue.line === undefined ? undefined : { ...issue, line: issue.line, column: issue.column ?? 1 };
        return (
          <div key={`${issue.line}:${issue.column}:${issue.message}`} class="error">
            <p>{at ? `Template error at line ${at.line}, column ${at.column}:` : "Template error:"}</p>
            <pre>{issue.message}</pre>
            {at && (
              <button type="button" onClick={() => goTo(viewRef.current, at)}>
                Go to line {at.line}
              </button>
            )}
          </div>
        );
      })}
    </div>
  );
}
