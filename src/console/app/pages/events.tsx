import { useState } from "preact/hooks";
import type { PageProps } from "../page-props";
import { href } from "../router";
import type { StoredEvent } from "../types";
import { ErrorMessage, Loading, Page, Time } from "../ui/page";
import { Pager } from "../ui/pager";
import { eventPath } from "../ui/paths";
import { isoFromLocal, queryString } from "../ui/query";
import { usePagedList } from "../ui/use-paged";

interface Search {
  type: string;
  source: string;
  /** datetime-local values, in the reader's time zone. */
  from: string;
  to: string;
}

const NO_SEARCH: Search = { type: "", source: "", from: "", to: "" };

/** The events Herald received, newest first, searched by type, source and time, paged. */
export function EventsPage({ api }: PageProps) {
  const [draft, setDraft] = useState<Search>(NO_SEARCH);
  const [search, setSearch] = useState<Search>(NO_SEARCH);
  const query = queryString({
    type: search.type.trim(),
    source: search.source.trim(),
    since: isoFromLocal(search.from),
    until: isoFromLocal(search.to),
  });
  const list = usePagedList<StoredEvent>(api, "/events", query);

  const field = (name: keyof Search) => ({
    id: `search-${name}`,
    value: draft[name],
    onInput: (event: Event) =>
      setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value }),
  });

  return (
    <Page title="Events">
      <form
        class="filters"
        aria-label="Search events"
        onSubmit={(event) => {
          event.preventDefault();
          setSearch(draft);
        }}
      >
        <div class="field">
          <label for="search-type">Event type</label>
          <input {...field("type")} autocomplete="off" />
        </div>
        <div class="field">
          <label for="search-source">Source</label>
          <input {...field("source")} autocomplete="off" />
        </div>
        <div class="field">
          <label for="search-from">From</label>
          <input type="datetime-local" {...field("from")} />
        </div>
        <div class="field">
          <label for="search-to">To</label>
          <input type="datetime-local" {...field("to")} />
        </div>
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      {list.error && <ErrorMessage error={list.error} />}
      {!list.data && !list.error && <Loading />}
      {list.data?.data.length === 0 && <p>No events match.</p>}
      {list.data && list.data.data.length > 0 && (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Title</th>
              <th scope="col">Type</th>
              <th scope="col">Source</th>
              <th scope="col">Severity</th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((event) => (
              <tr key={`${event.source} ${event.id}`}>
                <td>
                  <Time iso={event.received_at} />
                </td>
                <td>
                  <a href={href(eventPath(event.source, event.id))}>{event.title}</a>
                </td>
                <td>{event.type}</td>
                <td class="url">{event.source}</td>
                <td>{event.severity}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager list={list} label="Pages of events" />
    </Page>
  );
}
