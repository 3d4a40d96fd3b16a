import { useMemo, useRef, useState } from "preact/hooks";
import type { PageProps } from "../page-props";
import { navigate, useHashQuery } from "../router";
import { DELIVERY_STATUSES, type Delivery, type List, type Webhook } from "../types";
import { ConfirmDialog } from "../ui/confirm";
import { ErrorMessage, Loading, Page } from "../ui/page";
import { Pager } from "../ui/pager";
import { isoFromLocal, queryString } from "../ui/query";
import { useLoad } from "../ui/use-load";
import { usePagedList } from "../ui/use-paged";
import { DeliveryTable } from "./delivery-table";
import { ReplayForm, type ReplayValues } from "./replay-form";

interface Filters {
  webhook: string;
  status: string;
  type: string;
  /** datetime-local values, in the reader's time zone. */
  from: string;
  to: string;
}

/** The filters as GET /deliveries (and POST /deliveries/retry) take them, but for the state. */
const scope = (filters: Filters) => ({
  webhook: filters.webhook,
  type: filters.type.trim(),
  since: isoFromLocal(filters.from),
  until: isoFromLocal(filters.to),
});

/** The filters as the URL keeps them: the API's names, times in UTC, so a shared link means the same. */
const filterQuery = (filters: Filters) => queryString({ ...scope(filters), status: filters.status });

/** An RFC 3339 time as a datetime-local value in the reader's time zone ("" when it is not a time). */
function localFromIso(value: string | null): string {
  const time = new Date(value ?? "");
  if (!value || Number.isNaN(time.getTime())) return "";
  const local = new Date(time.getTime() - time.getTimezoneOffset() * 60_000).toISOString();
  return local.slice(0, time.getSeconds() === 0 ? 16 : 19);
}

/** The filters a URL's query holds (see filterQuery). */
function filtersOf(query: string): Filters {
  const values = new URLSearchParams(query);
  return {
    webhook: values.get("webhook") ?? "",
    status: values.get("status") ?? "",
    type: values.get("type") ?? "",
    from: localFromIso(values.get("since")),
    to: localFromIso(values.get("until")),
  };
}

/**
 * What Replay… starts from: the page's event type and time range, the last 24 hours where it has
 * none. The end is the next whole minute, as the field holds minutes: the events of this one are in.
 */
function replayStart(filters: Filters): ReplayValues {
  const end = (Math.floor(Date.now() / 60_000) + 1) * 60_000;
  return {
    since: filters.from || localFromIso(new Date(end - 24 * 3_600_000).toISOString()),
    until: filters.to || localFromIso(new Date(end).toISOString()),
    types: filters.type,
  };
}

/** Which state Retry all takes deliveries from: discarded ones if those are shown, dead ones otherwise. */
const retriedState = (filters: Filters) => (filters.status === "discarded" ? "discarded" : "dead");

/**
 * Every delivery across integrations, newest first, filtered and paged; Retry all for an admin, and
 * Replay… when one integration is chosen.
 * The filters live in the URL (#/deliveries?status=dead&…): a filtered view can be reloaded,
 * bookmarked and shared, and Back returns to the filters before.
 */
export function DeliveriesPage({ api, role, notify }: PageProps) {
  const webhooks = useLoad(() => api.get<List<Webhook>>("/webhooks?limit=1000"), [api]);
  const query = useHashQuery();
  const filters = useMemo(() => filtersOf(query), [query]);
  // The form's values until Filter is pressed; the URL's again once it changes (Back, a link).
  const [edited, setEdited] = useState<{ query: string; draft: Filters }>();
  const draft = edited?.query === query ? edited.draft : filters;
  const list = usePagedList<Delivery>(api, "/deliveries", filterQuery(filters));
  const [confirming, setConfirming] = useState(false);
  const [failure, setFailure] = useState<Error>();
  // The view (URL query) Replay… was opened on: another view closes it.
  const [replayingOn, setReplayingOn] = useState<string>();
  const replayButton = useRef<HTMLButtonElement>(null);
  const replayed = webhooks.data?.data.find((webhook) => webhook.id === filters.webhook);

  const field = (name: keyof Filters) => ({
    id: `filter-${name}`,
    value: draft[name],
    onInput: (event: Event) =>
      setEdited({ query, draft: { ...draft, [name]: (event.currentTarget as HTMLInputElement).value } }),
  });

  async function retryAll() {
    setConfirming(false);
    setFailure(undefined);
    try {
      const state = retriedState(filters);
      const path = `/deliveries/retry${queryString({ ...scope(filters), status: state })}`;
      const result = await api.send<{ queued: number; more: boolean }>("POST", path);
      const more = result.more ? " More match: press Retry all again for the next ones." : "";
      notify(
        `${result.queued} ${state} ${result.queued === 1 ? "delivery" : "deliveries"} queued to be sent again.${more}`,
      );
      list.reload();
    } catch (error) {
      setFailure(error as Error);
    }
  }

  function closeReplay() {
    setReplayingOn(undefined);
    replayButton.current?.focus();
  }

  const actions = role === "admin" && (
    <>
      {replayed && (
        <button
          type="button"
          ref={replayButton}
          aria-expanded={replayingOn === query}
          onClick={() => setReplayingOn(query)}
        >
          Replay…
        </button>
      )}
      <button type="button" onClick={() => setConfirming(true)}>
        Retry all
      </button>
    </>
  );
  return (
    <Page title="Deliveries" actions={actions}>
      <form
        class="filters"
        aria-label="Filter deliveries"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(`/deliveries${filterQuery(draft)}`);
        }}
      >
        <div class="field">
          <label for="filter-webhook">Integration</label>
          <select {...field("webhook")}>
            <option value="">All integrations</option>
            {webhooks.data?.data.map((webhook) => (
              <option key={webhook.id} value={webhook.id}>
                {webhook.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-status">Status</label>
          <select {...field("status")}>
            <option value="">Any</option>
            {DELIVERY_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-type">Event type</label>
          <input {...field("type")} autocomplete="off" />
        </div>
        <div class="field">
          <label for="filter-from">From</label>
          <input type="datetime-local" {...field("from")} />
        </div>
        <div class="field">
          <label for="filter-to">To</label>
          <input type="datetime-local" {...field("to")} />
        </div>
        <button type="submit" class="primary">
          Filter
        </button>
      </form>
      {replayed && replayingOn === query && (
        <ReplayForm
          api={api}
          webhook={replayed}
          initial={replayStart(filters)}
          onReplayed={(count) => {
            notify(`${count} ${count === 1 ? "event" : "events"} queued to be replayed to ${replayed.name}.`);
            closeReplay();
            list.reload();
          }}
          onClose={closeReplay}
        />
      )}
      {failure && <ErrorMessage error={failure} />}
      {list.error && <ErrorMessage error={list.error} />}
      {!list.data && !list.error && <Loading />}
      {list.data?.data.length === 0 && <p>No deliveries match.</p>}
      {list.data && list.data.data.length > 0 && <DeliveryTable deliveries={list.data.data} />}
      <Pager list={list} label="Pages of deliveries" />
      {confirming && (
        <ConfirmDialog
          title={`Retry all ${retriedState(filters)} deliveries?`}
          confirmLabel="Retry all"
          onConfirm={retryAll}
          onCancel={() => setConfirming(false)}
        >
          <p>
            Every {retriedState(filters)} delivery that matches the integration, event type and time filters
            (up to 1,000 at a time) will be sent again now, each under its own webhook-id. Those of inactive
            integrations and test deliveries are left as they are.
          </p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
