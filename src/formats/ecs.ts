import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { z } from "zod";
import type { HeraldEvent } from "../events/event";
import type { Severity } from "../events/severity";
import { safeData } from "./ecs-data";
import {
  type Format,
  FormatError,
  isObject,
  type JsonObject,
  parseTemplateJson,
  templateContext,
} from "./format";
import { isPort, type StandardKey, standardFields } from "./siem";

// An Elastic Common Schema document per event, sent to Elasticsearch or OpenSearch through the
// _bulk API. Field names, types and allowed values follow ECS 8.17
// (https://www.elastic.co/guide/en/ecs/8.17/ecs-field-reference.html; categorisation values from
// ecs-allowed-values-event-category.html and -event-type.html).

/** The ECS version the documents conform to, sent as ecs.version. */
export const ECS_VERSION = "8.17.0";

/**
 * event.severity: ECS leaves the scale to the implementer; these are Elastic Security's default
 * risk scores per rule severity (low 21, medium 47, high 73, critical 99), which elastic/ecs#2446
 * proposes as the recommended event.severity scale. Elastic has no informational level: 0 keeps
 * info below all of them.
 */
export const ECS_SEVERITY: Record<Severity, number> = {
  info: 0,
  low: 21,
  medium: 47,
  high: 73,
  critical: 99,
};

/** ECS maps keyword fields with ignore_above 1024: a longer value is kept but not searchable. */
const KEYWORD_MAX = 1024;

type Categorisation = { category: string[]; type: string[]; outcome?: "success" | "failure" };

/**
 * event.category and event.type for the catalog's event types (src/events/catalog.ts), chosen so
 * that each type is one ECS expects for every category beside it. Types not listed (engagement
 * phases, reports, tests) get none: no ECS category describes them.
 */
const CATEGORISATION: Record<string, Categorisation> = {
  auto_ban: { category: ["intrusion_detection", "network"], type: ["denied"] },
  brute_force: { category: ["intrusion_detection", "authentication"], type: ["info"] },
  scan_detected: { category: ["intrusion_detection", "network"], type: ["info"] },
  hit: { category: ["intrusion_detection", "web"], type: ["info"] },
  vulnerability: { category: ["vulnerability"], type: ["info"] },
  finding_added: { category: ["vulnerability"], type: ["info"] },
  finding_verified: { category: ["vulnerability"], type: ["info"] },
  critical_finding: { category: ["vulnerability"], type: ["info"] },
  system: { category: ["host"], type: ["info"] },
  scope_changed: { category: ["configuration"], type: ["change"] },
  surface_changed: { category: ["configuration"], type: ["change"] },
  "auth.success": { category: ["authentication"], type: ["start"], outcome: "success" },
  "auth.failed": { category: ["authentication"], type: ["start"], outcome: "failure" },
  "auth.locked": { category: ["iam"], type: ["user", "change"] },
  // ECS 8.17 has no email category; a message refused by policy is a denial by a protection.
  "mail.rejected": { category: ["intrusion_detection"], type: ["denied"] },
  "mail.quarantined": { category: ["intrusion_detection"], type: ["denied"] },
};

const EVENT_OUTCOMES = new Set(["success", "failure", "unknown"]);

/** What Elasticsearch's ip type takes: a zone id ("fe80::1%eth0") passes isIP, not it. */
function isIpAddress(text: string): boolean {
  return isIP(text) !== 0 && !text.includes("%");
}

/** Data fields that fill ECS fields, by the meanings src/formats/siem.ts gives Herald's data. */
const ECS_KEYS: StandardKey[] = [
  { key: "source.ip", meaning: "sourceAddress", accepts: isIpAddress },
  { key: "source.port", meaning: "sourcePort", accepts: isPort },
  { key: "destination.ip", meaning: "destinationAddress", accepts: isIpAddress },
  { key: "destination.port", meaning: "destinationPort", accepts: isPort },
  { key: "destination.domain", meaning: "destinationHost", maxLength: KEYWORD_MAX },
  { key: "user.name", meaning: "userName", maxLength: KEYWORD_MAX },
  { key: "url.original", meaning: "url", maxLength: KEYWORD_MAX },
  { key: "http.request.method", meaning: "httpMethod", maxLength: KEYWORD_MAX },
  { key: "event.action", meaning: "action", maxLength: KEYWORD_MAX },
  { key: "event.outcome", meaning: "outcome", accepts: (text) => EVENT_OUTCOMES.has(text) },
  { key: "event.reason", meaning: "reason", maxLength: KEYWORD_MAX },
];
const NUMERIC_KEYS = new Set(["source.port", "destination.port"]);

/**
 * Index and data stream names as Elasticsearch and OpenSearch take them (Elasticsearch "Create
 * index API", path parameters; OpenSearch "Create index", naming restrictions).
 */
const indexName = z
  .string({ error: "must be an index or data stream name" })
  .min(1, "must not be empty")
  .refine((name) => Buffer.byteLength(name) <= 255, "must be at most 255 bytes")
  .refine((name) => name === name.toLowerCase(), "must be lowercase")
  .refine((name) => !/[\\/*?"<>| ,#:]/.test(name), 'must not contain \\ / * ? " < > | , # : or spaces')
  .refine((name) => !/^[-_+]/.test(name), "must not start with -, _ or +")
  .refine((name) => name !== "." && name !== "..", 'must not be "." or ".."');

/** Label keys become field names under labels: a dot would nest an object, which ECS forbids there. */
const LABEL_KEY = /^[A-Za-z0-9_@-]+$/;

const ecsOptionsSchema = z
  .object({
    index: indexName.default("herald-events"),
    /** An ingest pipeline every document goes through. */
    pipeline: z.string().min(1, "must not be empty").optional(),
    /** event.dataset; a data stream's dataset when `index` is one (logs-herald.alerts-default). */
    dataset: z
      .string()
      .regex(/^[a-z0-9_.]{1,100}$/, "must be 1 to 100 lowercase letters, digits, _ and .")
      .default("herald.alerts"),
    /** labels on every document: ECS keeps them as keywords. */
    labels: z
      .record(
        z.string(),
        z
          .string({ error: "label values must be strings" })
          .max(KEYWORD_MAX, `label values: at most ${KEYWORD_MAX} characters`),
      )
      .superRefine((labels, context) => {
        for (const name of Object.keys(labels).filter((name) => !LABEL_KEY.test(name))) {
          context.addIssue({
            code: "custom",
            path: [name],
            message: `"${name}" is not a label name: letters, digits, _, @ and -, no dots (a dot would nest an object)`,
          });
        }
      })
      .optional(),
  })
  .strict();
export type EcsOptions = z.infer<typeof ecsOptionsSchema>;

/**
 * Elastic Common Schema, one document per event, framed for the _bulk API: a `create` action line
 * with a deterministic _id, then the document. A retried batch cannot index an event twice: its
 * second `create` answers 409, which the _bulk answer reader counts as delivered.
 *
 * The template (templates/ecs.hbs) shapes the document from the fields the format derives (the
 * template context's `ecs`). Whatever it does, the format then sets the three fields ECS requires
 * and Herald vouches for: @timestamp (the event's time), event.kind ("alert") and ecs.version.
 */
export const ecsFormat: Format<EcsOptions> = {
  name: "ecs",
  description: "Elastic Common Schema documents for the Elasticsearch and OpenSearch _bulk API",
  contentType: "application/x-ndjson",
  optionsSchema: ecsOptionsSchema,
  // _bulk takes any number of actions and needs a newline after the last line (ES "Bulk API").
  batch: { max: 100, separator: "\n", terminator: "\n" },
  destination: "elasticsearch",
  render({ event, options, template, now, suppressed }) {
    const warnings: string[] = [];
    // Assigned, not spread, for speed (see templateContext).
    const context = Object.assign(templateContext(event, options, suppressed), {
      ecs: ecsFields(event, options, now, warnings),
    });
    const document = requiredFields(parseTemplateJson(template(context)), event, warnings);
    const body = `${JSON.stringify(actionLine(event, options))}\n${JSON.stringify(document)}`;
    return { contentType: "application/x-ndjson", body, warnings };
  },
};

/** The same _id for every send of one event: sha256 of its source and id. */
export function documentId(event: Pick<HeraldEvent, "source" | "id">): string {
  return createHash("sha256").update(`${event.source}\n${event.id}`).digest("hex");
}

function actionLine(event: HeraldEvent, options: EcsOptions): JsonObject {
  // JSON.stringify leaves out the pipeline when it is not set.
  return { create: { _index: options.index, _id: documentId(event), pipeline: options.pipeline } };
}

/** What the template sees as `ecs`: the ECS field sets derived from the event, absent when empty. */
function ecsFields(event: HeraldEvent, options: EcsOptions, now: Date, warnings: string[]): JsonObject {
  const { fields, used } = standardFields(event.data, ECS_KEYS, warnings);
  const derived: JsonObject = {};
  for (const { key, value } of fields) setPath(derived, key, NUMERIC_KEYS.has(key) ? Number(value) : value);
  const categorisation = categorise(event.type);
  const fromData = isObject(derived.event) ? derived.event : {};
  const rest = Object.fromEntries(Object.entries(event.data).filter(([name]) => !used.has(name)));
  return {
    ...derived,
    event: {
      id: event.id,
      action: event.type,
      provider: event.source,
      dataset: options.dataset,
      severity: ECS_SEVERITY[event.severity],
      category: categorisation?.category,
      type: categorisation?.type,
      outcome: categorisation?.outcome,
      created: now.toISOString(),
      // What the data says of the action, outcome and reason is more specific than the defaults.
      ...fromData,
    },
    rule: { name: event.type },
    labels: options.labels,
    herald: {
      subject: event.subject ?? undefined,
      data: safeData(rest, warnings),
    },
    version: ECS_VERSION,
  };
}

function categorise(type: string): Categorisation | undefined {
  if (Object.hasOwn(CATEGORISATION, type)) return CATEGORISATION[type];
  return type.startsWith("auth.") ? { category: ["authentication"], type: ["info"] } : undefined;
}

function setPath(target: JsonObject, path: string, value: unknown): void {
  const names = path.split(".");
  const last = names.pop() as string;
  let node = target;
  for (const name of names) {
    if (!isObject(node[name])) node[name] = {};
    node = node[name] as JsonObject;
  }
  node[last] = value;
}

/** The template's document with @timestamp, event.kind and ecs.version set, whatever it had. */
function requiredFields(document: unknown, event: HeraldEvent, warnings: string[]): JsonObject {
  if (!isObject(document)) throw new FormatError("the template must produce a JSON object (an ECS document)");
  const { event: eventFields = {}, ecs = {} } = document;
  if (!isObject(eventFields)) throw new FormatError('the template\'s "event" must be a JSON object');
  if (!isObject(ecs)) throw new FormatError('the template\'s "ecs" must be a JSON object');
  const required: [string, unknown, unknown][] = [
    ["@timestamp", document["@timestamp"], event.time],
    ["event.kind", eventFields.kind, "alert"],
    ["ecs.version", ecs.version, ECS_VERSION],
  ];
  for (const [field, given, value] of required) {
    if (given !== undefined && given !== value)
      warnings.push(`the template's ${field} was replaced by ${JSON.stringify(value)}`);
  }
  return {
    ...document,
    "@timestamp": event.time,
    event: { ...eventFields, kind: "alert" },
    ecs: { ...ecs, version: ECS_VERSION },
  };
}
