import { diffLines, folded } from "./diff";

const MARKS = { same: "  ", added: "+ ", removed: "- " };

/** The template against the format's default: removed lines "-", added "+", long unchanged runs folded. */
export function DiffView({ before, after }: { before: string; after: string }) {
  const lines = diffLines(before, after);
  if (!lines) {
    return (
      <p class="muted" id="template-diff">
        These templates are too long to compare here.
      </p>
    );
  }
  const added = lines.filter((line) => line.kind === "added").length;
  const removed = lines.filter((line) => line.kind === "removed").length;
  return (
    <div class="diff" id="template-diff">
      <p>
        {added === 0 && removed === 0
          ? "The template is the format's default."
          : `Against the default: ${added} line${added === 1 ? "" : "s"} added, ${removed} removed.`}
      </p>
      <pre>
        {folded(lines).map((line, index) =>
          line.kind === "folded" ? (
            <span key={index} class="diff-folded">
              {`  … ${line.count} unchanged line${line.count === 1 ? "" : "s"}\n`}
            </span>
          ) : (
            <span key={index} class={`diff-${line.kind}`}>{`${MARKS[line.kind]}${line.text}\n`}</span>
          ),
        )}
      </pre>
    </div>
  );
}
