import { findFormat } from "../formats/registry";
import type { WebhookRow } from "../store/webhooks";
import { DESTINATION_SECRET_PATHS, TOP_LEVEL_SETTINGS, type WebhookDestination } from "./destination-input";
import { VIEWER_VISIBLE_HEADERS } from "./headers";
import { rowToInput, type WebhookInput } from "./schema";
import { type SecretPath, withoutSecrets, withStoredSecrets } from "./secrets";

export const MASK = "********";

/** Secret settings and options, by where they sit in a webhook as the API shows it. */
export function secretPathsOf(format: string): SecretPath[] {
  const optionSecrets = findFormat(format)?.secretOptions ?? [];
  return [
    ...DESTINATION_SECRET_PATHS.map((path) => ["destination", ...path]),
    ...DESTINATION_SECRET_PATHS.filter((path) => isTopLevelSetting(path[0])),
    ...optionSecrets.map((path) => ["options", ...path]),
  ];
}

function isTopLevelSetting(name: string | undefined): boolean {
  return (TOP_LEVEL_SETTINGS as readonly (string | undefined)[]).includes(name);
}

/**
 * A webhook sent back as it was read leaves its secrets out: an update keeps the stored ones,
 * wherever the client wrote the object that holds them (`destination.auth`, `auth`, `options`).
 */
export function keepWriteOnlyValues(
  existing: WebhookInput,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const format = typeof patch.format === "string" ? patch.format : existing.format;
  const stored = { ...existing, ...settingsAtTopLevel(existing.destination) };
  return withStoredSecrets(stored, patch, secretPathsOf(format));
}

/** The destination's top-level settings (auth, tls, splunk_hec, syslog), null where it has none. */
function settingsAtTopLevel(destination: WebhookDestination): Record<string, unknown> {
  return Object.fromEntries(TOP_LEVEL_SETTINGS.map((name) => [name, destination[name] ?? null]));
}

/**
 * `text` with the values of the webhook's secret options (pagerduty's routing key) masked: what
 * a stored webhook's preview shows, since the rendered payload carries them.
 */
export function withSecretOptionsMasked(
  text: string,
  input: Pick<WebhookInput, "format" | "options">,
): string {
  const paths = findFormat(input.format)?.secretOptions ?? [];
  const values = paths
    .map((path) =>
      path.reduce<unknown>((value, name) => (value as Record<string, unknown>)?.[name], input.options),
    )
    .filter((value): value is string => typeof value === "string" && value !== "");
  // The value as written, and as it appears inside a JSON string.
  const forms = values.flatMap((value) => [value, JSON.stringify(value).slice(1, -1)]);
  return forms.reduce((masked, form) => masked.replaceAll(form, MASK), text);
}

/**
 * A URL as a viewer sees it: where it goes (scheme, host, port), not the path or query, which
 * often are the credential (Slack's /services/T…/B…/token, Teams Workflows' sig=…).
 */
export function urlForViewer(url: string): string {
  const parsed = new URL(url);
  const hidden = parsed.pathname !== "/" || parsed.search !== "" || parsed.username !== "";
  return `${parsed.protocol}//${parsed.host}${hidden ? `/${MASK}` : "/"}`;
}

/**
 * A webhook as the API shows it: never a secret; for viewers also the URL's path and query masked,
 * and every custom header value but the plainly harmless ones.
 */
export function rowToWire(row: WebhookRow, { forAdmin }: { forAdmin: boolean }) {
  const { secret, ...input } = rowToInput(row);
  const headers = forAdmin
    ? input.headers
    : Object.fromEntries(
        Object.entries(input.headers).map(([name, value]) => [
          name,
          VIEWER_VISIBLE_HEADERS.has(name.toLowerCase()) ? value : MASK,
        ]),
      );
  // The kind first: the store (jsonb) keeps keys in its own order.
  const { kind, ...settings } = input.destination;
  const shown = withoutSecrets(
    { ...input, destination: { kind, ...settings }, ...settingsAtTopLevel(input.destination) },
    secretPathsOf(input.format),
  );
  return {
    id: row.id,
    ...shown,
    url: forAdmin ? input.url : urlForViewer(input.url),
    headers,
    has_secret: secret !== null,
    previous_secret_until:
      row.previousSecret === null ? null : (row.previousSecretUntil?.toISOString() ?? null),
    is_active: row.isActive,
    state_changed_by: row.stateChangedBy,
    state_changed_at: row.stateChangedAt?.toISOString() ?? null,
    failure_count: row.failureCount,
    disabled_reason: row.disabledReason,
    // A webhook declared in a config file (HERALD_CONFIG) is changed there, never through the API.
    managed_by: row.managedBy === null ? null : "config",
    managed_file: row.managedBy,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
