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
}

export interface DestinationInfo {
  kind: string;
  description: string;
  schemes: string[];
  secret_settings: string[];
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
  method: string;
  headers: Record<string, string>;
  destination: { kind: string } & JsonObject;
  timeout_ms: number;
  connect_timeout_ms: number;
  retry_count: number;
  is_active: boolean;
  has_secret: boolean;
  failure_count: number;
  disabled_reason: string | null;
}

export interface Delivery {
  id: string;
  status: string;
  status_code: number | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface TestResult {
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
}

export interface List<T> {
  data: T[];
}
