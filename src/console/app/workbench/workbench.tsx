import type { EditorView } from "@codemirror/view";
import { useMemo, useRef, useState } from "preact/hooks";
import { type Api, ApiError } from "../api";
import type { EventType, FormatInfo, Issue, JsonObject, StoredEvent, Webhook } from "../types";
import { ErrorMessage } from "../ui/page";
import { DiffView } from "./diff-view";
import { replaceText, TemplateEditor } from "./editor";
import { EventPicker } from "./event-picker";
import { OptionsField } from "./options-field";
import { PreviewPanel } from "./preview";
import { previewRequest } from "./preview-request";
import { TestOutcome, testRequest, useSendTest } from "./send-test";
import { isTemplateIssue, locatedError, TemplateErrors } from "./template-errors";
import { useEventPick } from "./use-event-pick";
import { usePreview } from "./use-preview";

export interface WorkbenchProps {
  api: Api;
  format: FormatInfo;
  types: EventType[];
  /** The store's latest events, newest first. */
  recent: StoredEvent[];
  /** A viewer's workbench: the editor is read-only and nothing is saved. */
  readOnly: boolean;
  notify(text: string): void;
  /** The integration whose template this is, and its destination as a preview takes it. */
  integration?: { webhook: Webhook; destination: JsonObject };
}

const under = (prefix: string) => (issue: Issue) =>
  new RegExp(`^(webhook\\.)?${prefix}(\\.|$)`).test(issue.path);

/**
 * The template workbench (the region "Template"): the Handlebars editor, the event picker and
 * the format's options, and the live preview beside them. Save writes the template to the
 * integration; Send test sends the picked event with the template and options as they are, unsaved;
 * Reset to default loads the format's; Compare with default shows the difference.
 */
export function Workbench({ api, format, types, recent, readOnly, notify, integration }: WorkbenchProps) {
  const webhook = integration?.webhook;
  const [saved, setSaved] = useState(webhook?.template ?? format.default_template);
  const [template, setTemplate] = useState(saved);
  const [optionsText, setOptionsText] = useState(() => JSON.stringify(webhook?.options ?? {}, null, 2));
  const event = useEventPick(api, recent, types, webhook);
  const [saveIssues, setSaveIssues] = useState<Issue[]>([]);
  const [failure, setFailure] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const [comparing, setComparing] = useState(false);
  const viewRef = useRef<EditorView | undefined>(undefined);

  const request = useMemo(
    () =>
      previewRequest(
        {
          format: format.name,
          optionsText,
          template,
          url: webhook?.url,
          destination: integration?.destination,
        },
        event.choice,
      ),
    [format, optionsText, template, webhook, integration, event.choice],
  );
  const state = usePreview(api, request);
  const test = useSendTest(api, webhook);
  const issues = useMemo(
    () => [...saveIssues, ...test.issues, ...state.issues],
    [saveIssues, test.issues, state.issues],
  );
  const error = useMemo(() => locatedError(issues), [issues]);
  const optionIssues = issues.filter(under("options"));
  const eventIssues = issues.filter(under("event"));
  const otherIssues = issues.filter(
    (issue) => !isTemplateIssue(issue) && !optionIssues.includes(issue) && !eventIssues.includes(issue),
  );

  function edit(text: string) {
    setTemplate(text);
    setSaveIssues([]);
    test.clearIssues();
  }

  async function save() {
    if (!webhook) return;
    setBusy(true);
    setSaveIssues([]);
    setFailure(undefined);
    notify("");
    try {
      // The default is saved as none, so that the integration follows the format's default.
      const body = { template: template === format.default_template ? null : template };
      const answer = await api.send<Webhook>("PUT", `/webhooks/${encodeURIComponent(webhook.id)}`, body);
      setSaved(answer.template ?? format.default_template);
      notify("Template saved.");
    } catch (error) {
      if (error instanceof ApiError && error.issues.length > 0) setSaveIssues(error.issues);
      else setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  }

  const changed = webhook !== undefined && template !== saved;
  return (
    <section class="workbench" aria-label="Template">
      <div class="workbench-settings">
        <EventPicker
          types={types}
          recent={recent}
          pick={event.pick}
          ownText={event.ownText}
          issues={eventIssues}
          loadError={event.loadError}
          onPick={event.choose}
          onOwnText={event.setOwnText}
        />
        <OptionsField
          value={optionsText}
          ofIntegration={webhook !== undefined}
          issues={optionIssues}
          onChange={setOptionsText}
        />
      </div>
      <div class="workbench-panes">
        <div class="editor-pane">
          <h2>
            Handlebars template ({format.name}){readOnly ? ", read-only" : ""}
          </h2>
          <TemplateEditor
            initial={saved}
            readOnly={readOnly}
            error={error}
            label="Handlebars template"
            onChange={edit}
            viewRef={viewRef}
          />
          <TemplateErrors issues={issues} viewRef={viewRef} />
          {saveIssues.length > 0 && (
            <ErrorMessage error="Not saved: the API refused the template (its messages are beside what they name)." />
          )}
          {test.issues.length > 0 && (
            <ErrorMessage error="Not sent: the API refused the template (its messages are beside what they name)." />
          )}
          {test.failure && <ErrorMessage error={test.failure} />}
          {failure && <ErrorMessage error={failure} />}
          <div class="actions">
            {webhook && !readOnly && (
              <button type="button" class="primary" onClick={save} disabled={busy || !changed}>
                Save
              </button>
            )}
            {webhook && !readOnly && (
              <button
                type="button"
                onClick={() => test.send(testRequest(template, optionsText, event.choice))}
                disabled={test.busy}
              >
                Send test
              </button>
            )}
            {!readOnly && (
              <button
                type="button"
                onClick={() => viewRef.current && replaceText(viewRef.current, format.default_template)}
              >
                Reset to default
              </button>
            )}
            <button
              type="button"
              aria-pressed={comparing}
              aria-controls={comparing ? "template-diff" : undefined}
              onClick={() => setComparing(!comparing)}
            >
              Compare with default
            </button>
            {changed && <span class="badge warn">Unsaved changes</span>}
          </div>
          <div role="status">
            {test.busy && <p class="muted">Sending a test…</p>}
            {test.result && <TestOutcome result={test.result} />}
          </div>
          {comparing && <DiffView before={format.default_template} after={template} />}
        </div>
        <PreviewPanel format={format.name} state={state} issues={otherIssues} />
      </div>
    </section>
  );
}
