import { useState } from "preact/hooks";
import { typeMatchesPattern } from "../../../events/type-pattern";
import type { Api } from "../api";
import type { EventType, EventWithDeliveries, StoredEvent, Webhook } from "../types";
import { useLoad } from "../ui/use-load";
import { choiceOf, type EventPick, ownStart, recentOf } from "./event-picker";

/** Whether the integration takes events of `type` (its event_types and their policy). */
function takes(webhook: Webhook, type: string): boolean {
  const listed = webhook.event_types.some((pattern) => typeMatchesPattern(type, pattern));
  return webhook.events_policy === "exclude" ? !listed : listed;
}

/**
 * The first pick: the newest stored event the integration takes (on its own, the newest that is
 * not one of Herald's own herald.* events), else the sample of its first named type. Herald's
 * events are stored with the others: an integration for WAF hits opens on a hit.
 */
function firstPick(recent: StoredEvent[], types: EventType[], webhook: Webhook | undefined): EventPick {
  const newest = recent.findIndex((event) =>
    webhook ? takes(webhook, event.type) : !event.type.startsWith("herald."),
  );
  if (newest >= 0) return `recent:${newest}`;
  const named = webhook?.event_types.find(
    (type) => !type.includes("*") && types.some((each) => each.type === type),
  );
  return `sample:${named ?? types[0]?.type ?? "test"}`;
}

/**
 * The event picker's state: what is picked, the event typed in, and the picked stored event with
 * its data (the list gives none: it is read when picked). `choice` is what the preview renders.
 */
export function useEventPick(
  api: Api,
  recent: StoredEvent[],
  types: EventType[],
  webhook: Webhook | undefined,
) {
  const [pick, setPick] = useState<EventPick>(() => firstPick(recent, types, webhook));
  const [ownText, setOwnText] = useState("");
  const picked = recentOf(pick, recent);
  const loaded = useLoad(
    () =>
      picked
        ? api.get<EventWithDeliveries>(
            `/events/${encodeURIComponent(picked.id)}?source=${encodeURIComponent(picked.source)}`,
          )
        : Promise.resolve(undefined),
    [api, picked],
  );
  // The last event read stays until the next is in: it must be the one picked now.
  const stored =
    loaded.data && loaded.data.id === picked?.id && loaded.data.source === picked.source
      ? loaded.data
      : undefined;
  return {
    pick,
    ownText,
    setOwnText,
    loadError: picked ? loaded.error : undefined,
    choice: choiceOf(pick, stored, ownText),
    choose(next: EventPick) {
      if (next === "own") setOwnText(ownStart(pick, stored));
      setPick(next);
    },
  };
}
