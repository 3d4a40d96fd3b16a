import { useEffect, useState } from "preact/hooks";
import type { PageProps } from "../page-props";
import { href } from "../router";
import type { Attempt, DeliveryWithAttempts } from "../types";
import { ErrorMessage, Loading, Page, Time } from "../ui/page";
import { eventPath, integrationPath } from "../ui/paths";
import { useLoad } from "../ui/use-load";
import { AttemptRequests } from "./attempt-request";
import { DeliveryOutcome } from "./integration-state";

/** How long the page looks for the attempt a Retry asked for. */
const WATCH_MS = 30_000;

function AttemptRow({ attempt }: { attempt: Attempt }) {
  return (
    <tr>
      <td class="number">{attempt.attempt}</td>
      <td>
        <Time iso={attempt.created_at} />
      </td>
      <td>
        <span class={`badge ${attempt.success ? "good" : "bad"}`}>
          {attempt.success ? "succeeded" : "failed"}
        </span>
      </td>
      <td class="number">{attempt.status_code ?? "–"}</td>
      <td class="number">{attempt.duration_ms} ms</td>
      <td>{attempt.error ?? "–"}</td>
      <td>{attempt.response_excerpt ? <pre>{attempt.response_excerpt}</pre> : "–"}</td>
    </tr>
  );
}

/** One delivery: where it went, how it stands, and every attempt with the receiver's answer. */
export function DeliveryPage({ api, role, params, notify }: PageProps) {
  const id = params.id as string;
  const delivery = useLoad(
    () => api.get<DeliveryWithAttempts>(`/deliveries/${encodeURIComponent(id)}`),
    [api, id],
  );
  // After Retry: how many attempts there were, until a new one shows (or WATCH_MS pass).
  const [watching, setWatching] = useState<{ attempts: number; until: number }>();
  const [failure, setFailure] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const shown = delivery.data;

  useEffect(() => {
    if (!watching || !shown) return;
    const settled = shown.attempts.length > watching.attempts && shown.status !== "pending";
    if (settled || Date.now() > watching.until) {
      setWatching(undefined);
      return;
    }
    const timer = setTimeout(delivery.reload, 500);
    return () => clearTimeout(timer);
  }, [watching, shown]);

  async function retry() {
    if (!shown) return;
    setBusy(true);
    setFailure(undefined);
    try {
      await api.send("POST", `/deliveries/${encodeURIComponent(id)}/retry`);
      notify("Queued to be sent again now.");
      setWatching({ attempts: shown.attempts.length, until: Date.now() + WATCH_MS });
      delivery.reload();
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  }

  const actions = (
    <>
      <button type="button" onClick={delivery.reload}>
        Refresh
      </button>
      {role === "admin" && (
        <button type="button" class="primary" onClick={retry} disabled={busy || !shown}>
          Retry
        </button>
      )}
    </>
  );
  return (
    <Page title="Delivery" actions={actions}>
      {failure && <ErrorMessage error={failure} />}
      {delivery.error && <ErrorMessage error={delivery.error} />}
      {!shown && !delivery.error && <Loading />}
      {shown && (
        <>
          <dl class="read-only">
            <div>
              <dt>Integration</dt>
              <dd>
                <a href={href(integrationPath(shown.webhook_id))}>{shown.webhook_name}</a>
              </dd>
            </div>
            <div>
              <dt>Event</dt>
              <dd>
                <a href={href(eventPath(shown.event_source, shown.event_id))}>{shown.event_type}</a>{" "}
                <span class="muted">
                  {shown.event_id} from {shown.event_source}
                </span>
              </dd>
            </div>
            <div>
              <dt>State</dt>
              <dd>
                <DeliveryOutcome delivery={shown} />
                {shown.is_test && (
                  <>
                    {" "}
                    <span class="badge">test</span>
                  </>
                )}
              </dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>
                <Time iso={shown.created_at} />
              </dd>
            </div>
            {shown.next_attempt_at && (
              <div>
                <dt>Next attempt</dt>
                <dd>
                  <Time iso={shown.next_attempt_at} />
                </dd>
              </div>
            )}
            {shown.warnings.length > 0 && (
              <div>
                <dt>Warnings</dt>
                <dd>
                  <ul class="plain">
                    {shown.warnings.map((warning) => (
                      <li key={warning}>{warning}</li>
                    ))}
                  </ul>
                </dd>
              </div>
            )}
          </dl>
          <section aria-labelledby="attempts-title">
            <h2 id="attempts-title">Attempts ({shown.attempts.length})</h2>
            <p class="hint">
              Each attempt keeps the receiver's answer: its status, the time it took, the error and the first
              KiB of its body. The request each attempt sent is below.
            </p>
            {watching && <p class="muted">Waiting for the new attempt…</p>}
            {shown.attempts.length === 0 ? (
              <p>No attempt yet.</p>
            ) : (
              <table class="list">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Time</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Status code</th>
                    <th scope="col">Duration</th>
                    <th scope="col">Error</th>
                    <th scope="col">Response (excerpt)</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.attempts.map((attempt) => (
                    <AttemptRow key={`${attempt.attempt}-${attempt.created_at}`} attempt={attempt} />
                  ))}
                </tbody>
              </table>
            )}
          </section>
          {shown.attempts.length > 0 && <AttemptRequests attempts={shown.attempts} />}
        </>
      )}
    </Page>
  );
}
