import { isObject, sameJson } from "../schema/json";
import type { DestinationInfo, FlowInfo, FormatInfo, JsonObject, JsonSchema, Webhook } from "../types";

// An integration (a webhook) as the form edits it: the fields of POST /webhooks, with the
// destination as {kind, ...settings}. The API checks everything; these only lay the form out.

const SEVERITIES = ["info", "low", "medium", "high", "critical"];

/** The fields every integration has, in the form's order. */
export function commonSchema(formats: FormatInfo[], chosen: FormatInfo | undefined): JsonSchema {
  return {
    type: "object",
    required: ["name", "url", "format", "event_types", "min_severity"],
    properties: {
      name: { type: "string", title: "Name" },
      url: {
        type: "string",
        title: "URL",
        description: "http(s) for web receivers; udp, tcp or tls for syslog",
      },
      format: {
        type: "string",
        title: "Format",
        description: chosen?.description,
        enum: formats.map((format) => format.name),
      },
      event_types: {
        type: "array",
        items: { type: "string" },
        title: "Event types",
        description: "* for every type, auth.* for a family",
      },
      min_severity: { type: "string", title: "Minimum severity", enum: SEVERITIES },
      secret: {
        type: "string",
        title: "Secret",
        description: "signs every request (X-Webhook-Signature; whsec_… also Standard Webhooks)",
      },
      state: {
        type: "string",
        title: "State",
        description: "paused: events are queued and none sent; disabled: no new events are taken either",
        enum: ["active", "paused", "disabled"],
        default: "active",
      },
    },
  };
}

/** How requests are sent; the defaults are the API's. */
export const DELIVERY_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    method: { type: "string", title: "Method", enum: ["POST", "PUT"], default: "POST" },
    events_policy: {
      type: "string",
      title: "Event types policy",
      description: "include: only the event types above; exclude: all but them",
      enum: ["include", "exclude"],
      default: "include",
    },
    headers: {
      type: "object",
      title: "Headers",
      additionalProperties: { type: "string" },
    },
    timeout_ms: { type: "integer", title: "Timeout (ms)", minimum: 1000, maximum: 30000, default: 5000 },
    connect_timeout_ms: {
      type: "integer",
      title: "Connect timeout (ms)",
      minimum: 100,
      maximum: 30000,
      default: 3000,
    },
    retry_count: { type: "integer", title: "Retries", minimum: 0, maximum: 10, default: 3 },
  },
};

/** The fields of a webhook that the form edits; the secret is write-only, so it starts empty. */
const EDITED = [
  "name",
  "url",
  "format",
  "event_types",
  "min_severity",
  "state",
  "options",
  "destination",
  "method",
  "events_policy",
  "headers",
  "timeout_ms",
  "connect_timeout_ms",
  "retry_count",
] as const;

export function formValueOf(webhook: Webhook): JsonObject {
  return { ...Object.fromEntries(EDITED.map((name) => [name, webhook[name]])), secret: "" };
}

/** The webhook's flow-control fields, those GET /flow describes: at the top level, as the API has them. */
export function flowValueOf(webhook: Webhook, flow: FlowInfo): JsonObject {
  const answered: JsonObject = { ...webhook };
  return Object.fromEntries(
    Object.keys(flow.settings_schema.properties ?? {}).map((name) => [name, answered[name]]),
  );
}

/**
 * Where an integration sends when none is chosen: its format's destination when that takes the
 * URL's scheme, else the first destination that does (syslog for udp:, tcp:, tls:).
 */
export function defaultKind(url: string, format: FormatInfo | undefined, destinations: DestinationInfo[]) {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const preferred = destinations.find((each) => each.kind === format?.destination);
  if (!scheme || preferred?.schemes.includes(scheme)) return preferred?.kind ?? "http";
  return destinations.find((each) => each.schemes.includes(scheme))?.kind ?? preferred?.kind ?? "http";
}

export function newFormValue(formats: FormatInfo[], destinations: DestinationInfo[]): JsonObject {
  const format = formats.find((each) => each.name === "slack") ?? formats[0];
  return {
    name: "",
    url: "",
    format: format?.name ?? "json",
    event_types: ["*"],
    min_severity: "info",
    secret: "",
    state: "active",
    options: {},
    destination: { kind: defaultKind("", format, destinations) },
  };
}

/** The destination moved to `kind`, keeping the settings the new kind also has. */
export function withKind(destination: unknown, kind: string, destinations: DestinationInfo[]): JsonObject {
  const known = destinations.find((each) => each.kind === kind)?.settings_schema.properties ?? {};
  const settings = Object.entries(isObject(destination) ? destination : {}).filter(([name]) => name in known);
  return { kind, ...Object.fromEntries(settings) };
}

/** The write-only values of a format and destination, by where the form holds them. */
export function secretPaths(format: FormatInfo | undefined, destination: DestinationInfo | undefined) {
  return new Set([
    "secret",
    ...(format?.secret_options ?? []).map((path) => `options.${path}`),
    ...(destination?.secret_settings ?? []).map((path) => `destination.${path}`),
  ]);
}

/** A new integration's body for POST: an empty secret is no secret. */
export function createBody(value: JsonObject): JsonObject {
  const { secret, ...rest } = value;
  return secret ? value : rest;
}

/** An edit's body for PUT: only the fields that changed, and the secret only when one was typed. */
export function changedFields(initial: JsonObject, value: JsonObject): JsonObject {
  return Object.fromEntries(
    Object.entries(value).filter(([name, current]) =>
      name === "secret" ? Boolean(current) : !sameJson(current, initial[name]),
    ),
  );
}
