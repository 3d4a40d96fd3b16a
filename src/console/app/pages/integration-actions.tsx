import { useState } from "preact/hooks";
import type { Api } from "../api";
import { navigate } from "../router";
import type { TestResult, Webhook } from "../types";
import { ConfirmDialog } from "../ui/confirm";
import { ErrorMessage } from "../ui/page";
import { TestOutcome } from "../workbench/send-test";

/** Send test, Pause or Resume, Disable or Enable, Delete: what an admin may do to a saved integration. */
export function IntegrationActions({
  api,
  webhook,
  onChanged,
  notify,
}: {
  api: Api;
  webhook: Webhook;
  onChanged(webhook: Webhook): void;
  notify(text: string, path?: string): void;
}) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TestResult>();
  const [failure, setFailure] = useState<Error>();
  const [confirming, setConfirming] = useState(false);
  const path = `/webhooks/${encodeURIComponent(webhook.id)}`;

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setFailure(undefined);
    notify("");
    try {
      await action();
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  }

  const sendTest = () =>
    run(async () => {
      setResult(undefined);
      setResult(await api.send<TestResult>("POST", `${path}/test`, {}));
    });
  const toggle = () =>
    run(async () => {
      const updated = await api.send<Webhook>("PUT", path, { is_active: !webhook.is_active });
      onChanged(updated);
      notify(updated.is_active ? "Enabled." : "Disabled.");
    });
  // Paused, it queues events and sends none; resumed, it sends what it queued.
  const pauseOrResume = () =>
    run(async () => {
      const state = webhook.state === "paused" ? "active" : "paused";
      const updated = await api.send<Webhook>("PUT", path, { state });
      onChanged(updated);
      notify(updated.state === "paused" ? "Paused." : "Resumed.");
    });
  const remove = () =>
    run(async () => {
      setConfirming(false);
      await api.send("DELETE", path);
      notify(`Integration “${webhook.name}” deleted.`, "/integrations");
      navigate("/integrations");
    });

  return (
    <>
      <button type="button" onClick={sendTest} disabled={busy}>
        Send test
      </button>
      {webhook.state !== "disabled" && (
        <button type="button" onClick={pauseOrResume} disabled={busy}>
          {webhook.state === "paused" ? "Resume" : "Pause"}
        </button>
      )}
      <button type="button" onClick={toggle} disabled={busy}>
        {webhook.is_active ? "Disable" : "Enable"}
      </button>
      <button type="button" class="danger" onClick={() => setConfirming(true)} disabled={busy}>
        Delete
      </button>
      <div class="action-results" role="status">
        {busy && <p class="muted">Working…</p>}
        {result && <TestOutcome result={result} />}
      </div>
      {failure && <ErrorMessage error={failure} />}
      {confirming && (
        <ConfirmDialog
          title="Delete this integration?"
          confirmLabel="Delete"
          onConfirm={remove}
          onCancel={() => setConfirming(false)}
        >
          <p>
            “{webhook.name}” and its delivery history will be deleted. Events it has not received yet will not
            be sent to it.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
