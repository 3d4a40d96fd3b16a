import { described, Labelled } from "../schema/controls";
import type { EventType, EventWithDeliveries, Issue, StoredEvent } from "../types";
import { ErrorMessage } from "../ui/page";
import { type EventChoice, eventText } from "./preview-request";

/** Which event is picked: a recent event by its place in the list, a catalog type's sample, or one typed in. */
export type EventPick = `recent:${number}` | `sample:${string}` | "own";

/** The stored event a pick names, if it names one. */
export function recentOf(pick: EventPick, recent: StoredEvent[]): StoredEvent | undefined {
  return pick.startsWith("recent:") ? recent[Number(pick.slice("recent:".length))] : undefined;
}

/** The event a pick stands for, as the preview takes it; undefined while a stored event's data loads. */
export function choiceOf(
  pick: EventPick,
  stored: EventWithDeliveries | undefined,
  ownText: string,
): EventChoice | undefined {
  if (pick.startsWith("sample:")) return { kind: "sample", type: pick.slice("sample:".length) };
  if (pick === "own") return { kind: "event", text: ownText };
  return stored && { kind: "event", text: eventText(stored) };
}

/** What "Your own event" starts from: the stored event picked before, or one of the sample's type to fill in. */
export function ownStart(pick: EventPick, stored: EventWithDeliveries | undefined): string {
  if (pick.startsWith("recent:") && stored) return eventText(stored);
  const type = pick.startsWith("sample:") ? pick.slice("sample:".length) : "test";
  const skeleton = { type, source: "my-producer", severity: "high", title: "Describe the event", data: {} };
  return JSON.stringify(skeleton, null, 2);
}

const EVENT_HINT = "As for POST /api/v1/events: type, source, severity, title, data…";

function recentLabel(event: StoredEvent): string {
  return `${event.type} · ${event.source} · ${event.title} · ${new Date(event.received_at).toLocaleString()}`;
}

/**
 * The event the preview renders: a recent event from the store (newest first), the API's sample
 * of any catalog type, or an event typed in as JSON (the fields of POST /events).
 */
export function EventPicker({
  types,
  recent,
  pick,
  ownText,
  issues,
  loadError,
  onPick,
  onOwnText,
}: {
  types: EventType[];
  recent: StoredEvent[];
  pick: EventPick;
  ownText: string;
  /** The API's refusals of the event. */
  issues: Issue[];
  /** Why the picked stored event could not be read. */
  loadError: Error | undefined;
  onPick(pick: EventPick): void;
  onOwnText(text: string): void;
}) {
  const own = pick === "own";
  return (
    <div class="event-picker">
      <Labelled id="workbench-event" label="Event" issues={own ? [] : issues}>
        <select
          {...described("workbench-event", undefined, own ? [] : issues)}
          value={pick}
          onChange={(event) => onPick(event.currentTarget.value as EventPick)}
        >
          {recent.length > 0 && (
            <optgroup label="Recent events">
              {recent.map((event, index) => (
                <option key={`${event.source}/${event.id}`} value={`recent:${index}`}>
                  {recentLabel(event)}
                </option>
              ))}
            </optgroup>
          )}
          <optgroup label="Samples of the catalog's types">
            {types.map((type) => (
              <option key={type.type} value={`sample:${type.type}`}>
                Sample {type.type}
              </option>
            ))}
          </optgroup>
          <option value="own">Your own event (JSON)</option>
        </select>
      </Labelled>
      {loadError && <ErrorMessage error={`Could not read the event: ${loadError.message}`} />}
      {own && (
        <Labelled id="workbench-event-json" label="Event JSON" hint={EVENT_HINT} issues={issues}>
          <textarea
            {...described("workbench-event-json", EVENT_HINT, issues)}
            rows={6}
            spellcheck={false}
            value={ownText}
            onInput={(event) => onOwnText(event.currentTarget.value)}
          />
        </Labelled>
      )}
    </div>
  );
}
