import { z } from "zod";
import { DESTINATIONS } from "../destinations/registry";
import { flowStatusSchema } from "../store/flow-status";
import { webhookInputSchema } from "./schema";

const fields = webhookInputSchema.in.shape;
const timestamp = z.iso.datetime();

/** A destination setting also answered at the top level, as webhooks took it before destinations. */
const topLevelSetting = z
  .record(z.string(), z.unknown())
  .nullable()
  .meta({ description: "The same as in `destination`, null where it has none (secrets left out)" });

/**
 * A webhook as the API answers it (rowToWire in wire.ts): the definition without any secret,
 * and for a viewer the URL's path and query and most header values masked.
 */
export const webhookWireSchema = z
  .strictObject({
    id: z.uuid(),
    name: fields.name,
    url: z.string().meta({ description: "For a viewer, the path and query masked: they often hold a token" }),
    event_types: fields.event_types.unwrap(),
    events_policy: fields.events_policy.unwrap(),
    min_severity: fields.min_severity.unwrap(),
    format: z.string(),
    options: z
      .record(z.string(), z.unknown())
      .meta({ description: "The format's options, secret ones left out" }),
    template: z.string().nullable(),
    method: fields.method.unwrap(),
    headers: z
      .record(z.string(), z.string())
      .meta({ description: "For a viewer, every value masked but the plainly harmless ones (Accept, …)" }),
    destination: z.looseObject({ kind: z.enum(DESTINATIONS.map((destination) => destination.kind)) }).meta({
      description:
        "The kind and its settings (Destination_<kind>), secret settings left out: where the object holding one has no `type`, `has_<name>` says whether it is set.",
    }),
    auth: topLevelSetting,
    tls: topLevelSetting,
    splunk_hec: topLevelSetting,
    syslog: topLevelSetting,
    timeout_ms: fields.timeout_ms.unwrap(),
    connect_timeout_ms: fields.connect_timeout_ms.unwrap(),
    retry_count: fields.retry_count.unwrap(),
    max_in_flight: fields.max_in_flight.unwrap(),
    rate_limit: fields.rate_limit.unwrap(),
    ordering: fields.ordering.unwrap(),
    discard_after_s: fields.discard_after_s.unwrap(),
    lossy: fields.lossy.unwrap(),
    max_queue: fields.max_queue.unwrap(),
    dedup: fields.dedup.unwrap(),
    group: fields.group.unwrap(),
    state: fields.state.unwrap(),
    is_active: z.boolean().meta({ description: "Mirrors state: false when disabled" }),
    state_changed_by: z
      .string()
      .nullable()
      .meta({ description: "Who set the current state: a key's name, or herald (failure threshold)" }),
    state_changed_at: timestamp.nullable(),
    flow_status: flowStatusSchema.optional().meta({ description: "Only when one webhook is read" }),
    has_secret: z
      .boolean()
      .meta({ description: "Whether deliveries are signed (the secret is never answered)" }),
    previous_secret_until: timestamp.nullable().meta({
      description:
        "After POST /webhooks/{id}/rotate-secret, until when the secret it replaced also signs (past: no longer); null when there is none. The secret itself is never answered.",
    }),
    failure_count: z.number().int().meta({ description: "Consecutive failed deliveries" }),
    disabled_reason: z.string().nullable().meta({ description: "Why Herald switched it off, if it did" }),
    created_at: timestamp,
    updated_at: timestamp,
    managed_by: z.enum(["config"]).nullable().meta({
      description: '"config": declared in a config file and changed there (PUT and DELETE answer 409)',
    }),
    managed_file: z.string().nullable().meta({ description: "The config file that declares it" }),
  })
  .meta({ id: "Webhook" });
