import { z } from "zod";
import type { Destination } from "../destinations/destination";
import { DESTINATIONS, defaultDestinationKind, findDestination, schemeOf } from "../destinations/registry";
import type { Format } from "../formats/format";
import type { WebhookDestination } from "../store/schema";

/**
 * Settings that webhooks took as top-level fields before destinations owned their settings.
 * They are still accepted (and answered) there; they are settings of the webhook's destination.
 */
export const TOP_LEVEL_SETTINGS = ["auth", "tls", "splunk_hec", "syslog"] as const;

export type { WebhookDestination };

/** `destination` as a client sends it: the kind (default: from the URL and format) and settings. */
export const destinationInputSchema = z.looseObject({ kind: z.string().min(1).max(64).optional() });

interface DestinationInput {
  url: string;
  format: Format<unknown> | undefined;
  destination: { kind?: string; [setting: string]: unknown } | null;
  topLevel: Partial<Record<(typeof TOP_LEVEL_SETTINGS)[number], unknown>>;
}

/**
 * The webhook's destination, its settings checked by the destination's own schema. Top-level
 * settings win over the same ones in `destination`; a top-level null the destination has no such
 * setting for is "none", as it was before. Problems are reported where the client wrote them.
 */
export function resolveDestination(input: DestinationInput, context: z.RefinementCtx): WebhookDestination {
  const { kind: givenKind, ...given } = input.destination ?? {};
  const kind = givenKind ?? defaultDestinationKind(input.url, input.format);
  const destination = findDestination(kind);
  if (!destination) {
    const kinds = DESTINATIONS.map((each) => each.kind).join(", ");
    context.addIssue({ code: "custom", path: ["destination", "kind"], message: `must be one of: ${kinds}` });
    return z.NEVER;
  }
  const scheme = schemeOf(input.url);
  if (!destination.schemes.includes(scheme)) {
    const schemes = destination.schemes.map((each) => each.slice(0, -1)).join(", ");
    const message = `a ${kind} destination takes ${schemes} URLs, not ${scheme.slice(0, -1)}`;
    context.addIssue({ code: "custom", path: ["url"], message });
    return z.NEVER;
  }
  // A null is "none": for a setting the destination does not have, there is nothing to say.
  const known = new Set(Object.keys(destination.settingsSchema.shape));
  const meant = ([name, value]: [string, unknown]) =>
    value !== undefined && (value !== null || known.has(name));
  const topLevel = Object.entries(input.topLevel).filter(meant);
  const settings = Object.fromEntries([...Object.entries(given).filter(meant), ...topLevel]);
  const parsed = destination.settingsSchema.safeParse(settings);
  if (!parsed.success) {
    const fromTopLevel = new Set(topLevel.map(([name]) => name));
    for (const issue of parsed.error.issues) {
      const where = issue.path.length === 0 && issue.code === "unrecognized_keys" ? issue.keys : [undefined];
      for (const key of where) {
        const path = key === undefined ? issue.path : [key];
        const prefix = fromTopLevel.has(String(path[0])) ? [] : ["destination"];
        const message = key === undefined ? issue.message : `not a setting of a ${kind} destination`;
        context.addIssue({ code: "custom", path: [...prefix, ...path] as PropertyKey[], message });
      }
    }
    return z.NEVER;
  }
  return { kind, ...(parsed.data as Record<string, unknown>) };
}

/**
 * `changes` to a stored webhook, with its destination's kind left to follow the URL and format
 * when it was their default and the changes name no destination (a cef webhook moved to
 * tcp:// becomes a syslog one, keeping the settings a syslog destination has); a kind chosen on
 * purpose stays.
 */
export function followDefaultKind(
  stored: { url: string; format: string; destination: WebhookDestination },
  changes: Record<string, unknown>,
  findFormatNamed: (name: string) => Format<unknown> | undefined,
): Record<string, unknown> {
  if (changes.destination !== undefined) return changes;
  const defaultKind = (url: unknown, format: unknown) =>
    typeof url === "string" && typeof format === "string"
      ? defaultDestinationKind(url, findFormatNamed(format))
      : undefined;
  if (stored.destination.kind !== defaultKind(stored.url, stored.format)) return changes;
  const newKind = defaultKind(changes.url ?? stored.url, changes.format ?? stored.format);
  const { kind: _, ...settings } = stored.destination;
  const shape = findDestination(newKind ?? "")?.settingsSchema.shape ?? settings;
  return {
    ...changes,
    destination: Object.fromEntries(Object.entries(settings).filter(([name]) => name in shape)),
  };
}

/** The secret settings of every destination; secrets are kept by path whatever the kind. */
export const DESTINATION_SECRET_PATHS = [
  ...new Map(
    DESTINATIONS.flatMap((destination: Destination<never>) => destination.secretPaths).map((path) => [
      path.join("."),
      path,
    ]),
  ).values(),
];
