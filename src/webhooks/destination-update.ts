import { isDeepStrictEqual } from "node:util";
import { findDestination } from "../destinations/registry";
import { ValidationError } from "../errors";
import { type Format, isObject } from "../formats/format";
import { inferKind, settingNames, TOP_LEVEL_SETTINGS, type WebhookDestination } from "./destination-input";

interface StoredWebhook {
  url: string;
  format: string;
  destination: WebhookDestination;
}

/**
 * A partial update's changes with the webhook's destination worked out whole, as the input
 * schema then checks it:
 * - settings not sent keep their stored values, whether the client sent `destination` or not;
 * - settings sent at the top level (`auth`, `tls`, …) are settings of the destination. A webhook
 *   read from the API and sent back holds each of them twice; the copy left as it was read yields
 *   to the one the client changed, and two different changes are refused;
 * - the kind stays unless the client names another, or it was the default for the URL and format
 *   and those change (a cef webhook moved to tcp:// becomes a syslog one); stored settings the new
 *   kind does not have are dropped, ones the client changed are kept (and refused).
 */
export function mergeDestinationChanges(
  stored: StoredWebhook,
  changes: Record<string, unknown>,
  findFormatNamed: (name: string) => Format<unknown> | undefined,
): Record<string, unknown> {
  const { destination: sent, ...rest } = changes;
  if (sent !== undefined && !isObject(sent)) return changes;
  const { kind: storedKind, ...storedSettings } = stored.destination;
  const { kind: askedKind, ...sentSettings } = sent ?? {};
  const settings: Record<string, unknown> = { ...storedSettings, ...sentSettings };
  const conflicts: string[] = [];
  for (const name of TOP_LEVEL_SETTINGS) {
    if (!(name in rest)) continue;
    const topLevel = rest[name];
    delete rest[name];
    const unchanged = (value: unknown) => isDeepStrictEqual(value, storedSettings[name] ?? null);
    if (!(name in sentSettings) || unchanged(sentSettings[name])) settings[name] = topLevel;
    else if (!unchanged(topLevel) && !isDeepStrictEqual(topLevel, sentSettings[name])) conflicts.push(name);
  }
  if (conflicts.length > 0) {
    throw new ValidationError(
      conflicts.map((name) => ({
        path: name,
        message: `changed here and, differently, at destination.${name}: send one of them`,
      })),
    );
  }
  const url = typeof rest.url === "string" ? rest.url : stored.url;
  const format = typeof rest.format === "string" ? rest.format : stored.format;
  const wasDefault =
    storedKind === inferKind(stored.url, findFormatNamed(stored.format), namesOf(storedSettings));
  const kind =
    typeof askedKind === "string" && askedKind !== storedKind
      ? askedKind
      : wasDefault
        ? inferKind(url, findFormatNamed(format), namesOf(settings))
        : storedKind;
  const known = settingNames(findDestination(kind) as never);
  const keptAsStored = (name: string) =>
    !(name in sentSettings) || isDeepStrictEqual(sentSettings[name], storedSettings[name]);
  for (const name of Object.keys(storedSettings)) {
    if (!known.has(name) && keptAsStored(name)) delete settings[name];
  }
  return { ...rest, destination: { kind, ...settings } };
}

/** The settings that say something: not null. */
function namesOf(settings: Record<string, unknown>): string[] {
  return Object.entries(settings)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([name]) => name);
}
