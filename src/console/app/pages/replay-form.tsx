import { useEffect, useRef, useState } from "preact/hooks";
import { type Api, ApiError } from "../api";
import { href } from "../router";
import { described, FieldErrors, Labelled } from "../schema/controls";
import { issuesFor, unclaimed } from "../schema/issues";
import { DELIVERY_STATUSES, type Issue, type ReplayStatus, type Webhook } from "../types";
import { ConfirmDialog } from "../ui/confirm";
import { ErrorMessage } from "../ui/page";
import { integrationPath } from "../ui/paths";
import { isoFromLocal } from "../ui/query";

/** The states a replay picks by, those a recovery wants first. */
const FIRST: ReplayStatus[] = ["dead", "discarded", "never"];
const CHOICES: ReplayStatus[] = [...FIRST, ...DELIVERY_STATUSES.filter((status) => !FIRST.includes(status))];
const statusLabel = (status: ReplayStatus) => (status === "never" ? "never sent" : status);

/** The fields each issue path of the API belongs to; what none claims goes at the top. */
const CLAIMS = ["since", "until", "types", "statuses", "ignore_subscription"].map((path) => ({
  path,
  group: false,
}));

const SINCE_HINT = "Events received at or after this time…";
const UNTIL_HINT = "…and before this one.";
const TYPES_HINT = "Optional: one per line or comma-separated; patterns such as auth.* too.";
const IGNORE_HINT = "Also events of types or severities this integration is not subscribed to.";

const events = (count: number) => `${count} ${count === 1 ? "event" : "events"}`;

export interface ReplayValues {
  /** datetime-local values, in the reader's time zone. */
  since: string;
  until: string;
  /** Event-type patterns, one per line or comma-separated. */
  types: string;
}

/**
 * Replay… for one integration (POST /webhooks/{id}/replay): Count asks a dry run how many stored
 * events the choices match, Replay N events queues them after asking. The API judges every value.
 */
export function ReplayForm({
  api,
  webhook,
  initial,
  onReplayed,
  onClose,
}: {
  api: Api;
  webhook: Webhook;
  initial: ReplayValues;
  onReplayed(count: number): void;
  onClose(): void;
}) {
  const [values, setValues] = useState(initial);
  const [statuses, setStatuses] = useState<ReplayStatus[]>([]);
  const [ignoreSubscription, setIgnoreSubscription] = useState(false);
  const [counted, setCounted] = useState<number>();
  const [issues, setIssues] = useState<Issue[]>([]);
  const [failure, setFailure] = useState<Error>();
  const [refusedAsDisabled, setRefusedAsDisabled] = useState(false);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  // A count belongs to the choices it was asked for: any change asks for a new one.
  function changed() {
    setCounted(undefined);
    setIssues([]);
  }
  const issuesOf = (path: string) => issuesFor(issues, { path, group: false });
  /** The props of the control of a text value, described by its hint (if any) and issues. */
  const text = (name: keyof ReplayValues, hint?: string) => ({
    ...described(`replay-${name}`, hint, issuesOf(name)),
    value: values[name],
    onInput: (event: Event) => {
      setValues({ ...values, [name]: (event.currentTarget as HTMLInputElement).value });
      changed();
    },
  });

  const types = values.types
    .split(/[\n,]/)
    .map((type) => type.trim())
    .filter(Boolean);
  const body = (dryRun: boolean) => ({
    since: isoFromLocal(values.since),
    until: isoFromLocal(values.until),
    ...(types.length > 0 ? { types } : {}),
    ...(statuses.length > 0 ? { statuses } : {}),
    ignore_subscription: ignoreSubscription,
    dry_run: dryRun,
  });

  async function send(dryRun: boolean) {
    setBusy(true);
    setIssues([]);
    setFailure(undefined);
    setRefusedAsDisabled(false);
    try {
      const path = `/webhooks/${encodeURIComponent(webhook.id)}/replay`;
      const { count } = await api.send<{ count: number }>("POST", path, body(dryRun));
      if (dryRun) setCounted(count);
      else onReplayed(count);
    } catch (error) {
      // A refused replay keeps its count (and its button, where the focus returns from the dialog).
      if (dryRun) setCounted(undefined);
      if (error instanceof ApiError && error.status === 409) setRefusedAsDisabled(true);
      else if (error instanceof ApiError && error.issues.length > 0) setIssues(error.issues);
      else setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  }

  const topIssues = unclaimed(issues, CLAIMS);
  const statusIssues = issuesOf("statuses");
  const ignoreIssues = issuesOf("ignore_subscription");
  return (
    <section class="replay" aria-labelledby="replay-title">
      <h2 id="replay-title" tabIndex={-1} ref={heading}>
        Replay to {webhook.name}
      </h2>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void send(true);
        }}
      >
        {topIssues.length > 0 && (
          <div role="alert" class="error">
            {topIssues.map((issue) => (
              <p key={`${issue.path}:${issue.message}`}>
                {issue.path ? `${issue.path}: ` : ""}
                {issue.message}
              </p>
            ))}
          </div>
        )}
        <div class="replay-times">
          <Labelled id="replay-since" label="Since" hint={SINCE_HINT} issues={issuesOf("since")}>
            <input type="datetime-local" {...text("since", SINCE_HINT)} />
          </Labelled>
          <Labelled id="replay-until" label="Until" hint={UNTIL_HINT} issues={issuesOf("until")}>
            <input type="datetime-local" {...text("until", UNTIL_HINT)} />
          </Labelled>
        </div>
        <Labelled id="replay-types" label="Event types" hint={TYPES_HINT} issues={issuesOf("types")}>
          <textarea rows={2} {...text("types", TYPES_HINT)} />
        </Labelled>
        <fieldset
          aria-describedby={["replay-statuses-hint", statusIssues.length > 0 ? "replay-statuses-error" : ""]
            .filter(Boolean)
            .join(" ")}
        >
          <legend>Only events whose last delivery was</legend>
          <p id="replay-statuses-hint" class="hint">
            None checked: any.
          </p>
          {CHOICES.map((status) => (
            <div class="field check" key={status}>
              <input
                type="checkbox"
                id={`replay-status-${status}`}
                checked={statuses.includes(status)}
                onChange={(event) => {
                  const on = event.currentTarget.checked;
                  setStatuses(on ? [...statuses, status] : statuses.filter((each) => each !== status));
                  changed();
                }}
              />
              <label for={`replay-status-${status}`}>{statusLabel(status)}</label>
            </div>
          ))}
          <FieldErrors id="replay-statuses" issues={statusIssues} />
        </fieldset>
        <Labelled
          id="replay-ignore"
          label="Ignore the subscription"
          hint={IGNORE_HINT}
          issues={ignoreIssues}
          checkbox
        >
          <input
            type="checkbox"
            {...described("replay-ignore", IGNORE_HINT, ignoreIssues)}
            checked={ignoreSubscription}
            onChange={(event) => {
              setIgnoreSubscription(event.currentTarget.checked);
              changed();
            }}
          />
        </Labelled>
        <div class="actions">
          <button type="submit" disabled={busy}>
            Count
          </button>
          {counted !== undefined && counted > 0 && (
            // Not disabled while sending: the focus comes back to it from the dialog (which asks each time).
            <button type="button" class="primary" onClick={() => setConfirming(true)}>
              Replay {events(counted)}
            </button>
          )}
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
        <div role="status">
          {counted !== undefined && (
            <p>
              {events(counted)} would be replayed to {webhook.name}.
            </p>
          )}
        </div>
        {refusedAsDisabled && (
          <p role="alert" class="error">
            This integration is disabled: enable it first, on the page of{" "}
            <a href={href(integrationPath(webhook.id))}>{webhook.name}</a>.
          </p>
        )}
        {failure && <ErrorMessage error={failure} />}
      </form>
      {confirming && counted !== undefined && (
        <ConfirmDialog
          title={`Replay ${events(counted)} to ${webhook.name}?`}
          confirmLabel={`Replay ${events(counted)}`}
          onConfirm={() => {
            setConfirming(false);
            void send(false);
          }}
          onCancel={() => setConfirming(false)}
        >
          <p>
            Each is sent again as a new delivery, under a new webhook-id, whatever deliveries it had before.
            The number is the count's: the events that match when you confirm are the ones replayed.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
