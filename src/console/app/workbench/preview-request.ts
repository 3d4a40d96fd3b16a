import { isObject } from "../schema/json";
import type { DestinationInfo, EventWithDeliveries, Issue, JsonObject, Webhook } from "../types";

/** The event a preview renders: the API's sample of a type, or an event as JSON (a stored one, or typed in). */
export type EventChoice = { kind: "sample"; type: string } | { kind: "event"; text: string };

/** What decides what a webhook sends, as the workbench edits it. */
export interface PreviewSettings {
  format: string;
  optionsText: string;
  template: string;
  /** The integration's URL and destination, which frame some formats (syslog); none on its own. */
  url?: string;
  destination?: JsonObject;
}

export type PreviewRequest = { body: JsonObject } | { issues: Issue[] };

/**
 * The integration's destination without the settings that hold a write-only value (auth, tls):
 * the API never gives them back, and they decide how a request is sent, not what it says.
 */
export function previewDestination(webhook: Webhook, destinations: DestinationInfo[]): JsonObject {
  const secret = destinations.find((each) => each.kind === webhook.destination.kind)?.secret_settings ?? [];
  const held = new Set(secret.map((path) => path.split(".")[0]));
  return Object.fromEntries(Object.entries(webhook.destination).filter(([name]) => !held.has(name)));
}

type Parsed = { value: JsonObject; issue?: undefined } | { issue: Issue };

function parsedObject(text: string, path: string): Parsed {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? { value } : { issue: { path, message: "must be a JSON object" } };
  } catch (error) {
    return { issue: { path, message: `is not valid JSON: ${(error as Error).message}` } };
  }
}

/**
 * The body of POST /api/v1/preview, or what is wrong with the options or event as typed (nothing
 * while a stored event is still being read). The webhook subscribes to the event's type only: the
 * API then checks the template against a sample of that one type (a save checks every subscribed
 * type).
 */
export function previewRequest(settings: PreviewSettings, choice: EventChoice | undefined): PreviewRequest {
  if (!choice) return { issues: [] };
  const options = parsedObject(settings.optionsText, "options");
  const event = choice.kind === "event" ? parsedObject(choice.text, "event") : undefined;
  if (options.issue || event?.issue) {
    return { issues: [options.issue, event?.issue].filter((issue): issue is Issue => issue !== undefined) };
  }
  const eventValue = event?.value;
  const type = choice.kind === "sample" ? choice.type : String(eventValue?.type ?? "") || "test";
  const webhook: JsonObject = {
    format: settings.format,
    options: options.value,
    template: settings.template,
    event_types: [type],
    events_policy: "include",
    ...(settings.url === undefined ? {} : { url: settings.url }),
    ...(settings.destination === undefined ? {} : { destination: settings.destination }),
  };
  return { body: eventValue === undefined ? { webhook } : { webhook, event: eventValue } };
}

/** A stored event as a preview takes it: the fields it was posted with (a null subject left out). */
export function eventText(event: EventWithDeliveries): string {
  const { type, id, source, time, severity, title, subject, data } = event;
  const fields = { type, id, source, time, severity, title, ...(subject === null ? {} : { subject }), data };
  return JSON.stringify(fields, null, 2);
}
