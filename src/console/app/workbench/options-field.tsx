import { useState } from "preact/hooks";
import { described, Labelled } from "../schema/controls";
import type { Issue } from "../types";

/**
 * The format's options as JSON, for the preview (limit_policy split, max_fields, …). Folded away
 * until asked for, or until they are refused: then open, with the messages beside them.
 */
export function OptionsField({
  value,
  ofIntegration,
  issues,
  onChange,
}: {
  value: string;
  /** Whether they are a saved integration's (changed in its form, not here). */
  ofIntegration: boolean;
  issues: Issue[];
  onChange(text: string): void;
}) {
  const [shown, setShown] = useState(false);
  const hint = ofIntegration
    ? "The integration's options, for the preview only (change them in its form). Write-only ones, such as a routing key, are not shown: type a stand-in."
    : "As an integration's options field takes them.";
  return (
    <details
      class="workbench-options"
      open={shown || issues.length > 0}
      onToggle={(event) => setShown(event.currentTarget.open)}
    >
      <summary>Format options</summary>
      <Labelled id="workbench-options" label="Format options (JSON)" hint={hint} issues={issues}>
        <textarea
          {...described("workbench-options", hint, issues)}
          rows={4}
          spellcheck={false}
          value={value}
          onInput={(event) => onChange(event.currentTarget.value)}
        />
      </Labelled>
    </details>
  );
}
