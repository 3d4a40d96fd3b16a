// What the console reads from /api/v1, as far as it uses it. The API is the authority: these
// describe its answers, they do not add rules of their own.

export type Role = "admin" | "viewer" | "ingest";

/** A JSON Schema node, as GET /formats and GET /destinations describe options and settings. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

export type JsonObject = Record<string, unknown>;

export interface FormatInfo {
  name: string;
  description: string;
  destination: string;
  secret_options: string[];
  options_schema: JsonSchema;
  content_type: string;
  default_template: string;
}

export interface DestinationInfo {
  kind: string;
  description: string;
  schemes: string[];
  secret_settings: string[];
  settings_schema: JsonSchema;
}

export type WebhookState = "active" | "paused" | "disabled";

/** GET /flow: the flow-control fields a webhook has at its top level (rate_limit, group, …). */
export interface FlowInfo {
  settings_schema: JsonSchema;
}

export interface Webhook {
  id: string;
  name: string;
  url: string;
  format: string;
  event_types: string[];
  events_policy: string;
  min_severity: string;
  options: JsonObject;
  template: string | null;
  method: string;
  headers: Record<string, string>;
  destination: { kind: string } & JsonObject;
  timeout_ms: number;
  connect_timeout_ms: number;
  retry_count: number;
  /** paused: queues, sends nothing; disabled: takes no new events either (is_active false). */
  state: WebhookState;
  is_active: boolean;
  has_secret: boolean;
  failure_count: number;
  disabled_reason: string | null;
}

import { DELIVERY_STATUSES, type DeliveryStatus } from "../../store/delivery-statuses";

export { DELIVERY_STATUSES, type DeliveryStatus };

/** What POST /webhooks/{id}/replay picks events by: their latest delivery's state, or `never` (none). */
export type ReplayStatus = DeliveryStatus | "never";

export interface Delivery {
  id: string;
  webhook_id: string;
  webhook_name: string;
  event_id: string;
  event_source: string;
  event_type: string;
  status: DeliveryStatus;
  attempt: number;
  status_code: number | null;
  success: boolean | null;
  error: string | null;
  duration_ms: number | null;
  response_excerpt: string | null;
  warnings: string[];
  is_test: boolean;
  created_at: string;
  updated_at: string;
  next_attempt_at: string | null;
}

export interface Attempt {
  attempt: number;
  status_code: number | null;
  success: boolean;
  error: string | null;
  duration_ms: number;
  response_excerpt: string | null;
  /** The request the attempt sent, secrets masked and the body cut; null when none was kept. */
  request: SentRequest | null;
  created_at: string;
}

export interface SentRequest {
  headers: Record<string, string>;
  body: string;
}

export interface DeliveryWithAttempts extends Delivery {
  attempts: Attempt[];
}

export interface StoredEvent {
  id: string;
  source: string;
  type: string;
  time: string;
  severity: string;
  title: string;
  subject: string | null;
  received_at: string;
}

export interface EventWithDeliveries extends StoredEvent {
  data: JsonObject;
  deliveries: Delivery[];
}

export type ByStatus = Record<DeliveryStatus, number>;

export interface WebhookStats {
  counts: ByStatus;
  success_rate: number | null;
  latency_ms: { p50: number; p95: number; p99: number } | null;
  queue: { depth: number; pending: number; retrying: number; oldest_age_s: number | null };
  hourly: (ByStatus & { hour: string })[];
}

export interface TestResult {
  delivery_id: string;
  status: string;
  success: boolean;
  status_code: number | null;
  duration_ms: number | null;
  error: string | null;
  response_excerpt: string | null;
  warnings: string[];
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  created_at: string;
}

export interface Issue {
  path: string;
  message: string;
  /** Where in a template the problem is, for template errors. */
  line?: number;
  column?: number;
}

/** What a preview answers: `body`, then each further message of limit_policy split. */
export interface Preview {
  content_type: string;
  body: string;
  parts: string[];
  /** What the format had to cut or change to fit the receiver's limits. */
  warnings: string[];
}

export interface EventType {
  type: string;
  description: string;
}

export interface List<T> {
  data: T[];
}

/** A page of a list the API pages with a cursor. */
export interface Paged<T> extends List<T> {
  next_cursor: string | null;
}
