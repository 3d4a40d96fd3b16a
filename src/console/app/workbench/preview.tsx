import type { Issue, Preview } from "../types";
import { ErrorMessage } from "../ui/page";
import { DiscordMessage } from "./discord";
import { JsonBody } from "./json-view";
import { SiemMessage } from "./siem-view";
import { SlackMessage } from "./slack";
import { TeamsMessage } from "./teams";
import type { PreviewState } from "./use-preview";

/** One message as its receiver shows it: by format, then by content type. */
function ReceiverView({ format, body, contentType }: { format: string; body: string; contentType: string }) {
  if (format === "slack") return <SlackMessage body={body} />;
  if (format === "teams") return <TeamsMessage body={body} />;
  if (format === "discord") {
    return (
      <>
        <DiscordMessage body={body} />
        <details class="raw-body">
          <summary>Body as JSON</summary>
          <JsonBody body={body} contentType={contentType} />
        </details>
      </>
    );
  }
  if (/json/.test(contentType)) return <JsonBody body={body} contentType={contentType} />;
  return <SiemMessage body={body} />;
}

/** What the format cut or changed to fit the receiver's limits (or left out, such as an unsafe link). */
function Warnings({ warnings }: { warnings: string[] }) {
  if (warnings.length === 0) return null;
  return (
    <div class="preview-warnings">
      <h3>Warnings</h3>
      <ul>
        {warnings.map((warning) => (
          <li key={warning}>{warning}</li>
        ))}
      </ul>
    </div>
  );
}

function Messages({ format, preview }: { format: string; preview: Preview }) {
  const messages = [preview.body, ...preview.parts];
  const bytes = (text: string) => new TextEncoder().encode(text).length.toLocaleString("en");
  return (
    <>
      {messages.map((body, index) => {
        const heading = messages.length > 1 ? `Message ${index + 1} of ${messages.length}` : "Message";
        return (
          <article key={index} class="preview-message" aria-labelledby={`preview-message-${index}`}>
            <h3 id={`preview-message-${index}`}>{heading}</h3>
            <ReceiverView format={format} body={body} contentType={preview.content_type} />
            <details class="raw-body">
              <summary>
                Raw body ({preview.content_type}, {bytes(body)} bytes)
              </summary>
              <pre>{body}</pre>
            </details>
          </article>
        );
      })}
    </>
  );
}

/**
 * The preview beside the editor: the warnings, then each message (limit_policy split sends
 * several) as the receiver shows it, with its raw body. The last preview that rendered stays,
 * marked as not current, while the template has an error or a newer one is on its way.
 */
export function PreviewPanel({
  format,
  state,
  issues,
}: {
  format: string;
  state: PreviewState;
  /** The refusals that belong to no field of the workbench. */
  issues: Issue[];
}) {
  const { preview, current, failure } = state;
  const refused = failure !== undefined || state.issues.length > 0;
  return (
    <section class="preview-pane" aria-labelledby="preview-heading" aria-busy={!current && !refused}>
      <div class="preview-head">
        <h2 id="preview-heading">Preview</h2>
        {preview && !current && (
          <span class="badge warn">{refused ? "Not updated: see the error" : "Updating…"}</span>
        )}
      </div>
      {failure && <ErrorMessage error={`The preview failed: ${failure}`} />}
      {issues.length > 0 && (
        <div role="alert" class="error">
          {issues.map((issue) => (
            <p key={`${issue.path}:${issue.message}`}>
              {issue.path ? `${issue.path}: ` : ""}
              {issue.message}
            </p>
          ))}
        </div>
      )}
      {preview ? (
        <div class={current ? "" : "stale"}>
          <Warnings warnings={preview.warnings} />
          <Messages format={format} preview={preview} />
        </div>
      ) : (
        !refused && <p class="muted">Rendering…</p>
      )}
    </section>
  );
}
