import { isDeepStrictEqual } from "node:util";
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

/** The names of the settings a destination has. */
export function settingNames(destination: Destination<never> | undefined): Set<string> {
  return new Set(Object.keys(destination?.settingsSchema.shape ?? {}));
}

/**
 * The kind a webhook that names none sends to: the default for its URL and format, unless that
 * kind lacks a setting the webhook gives and another kind for the URL has them all (HEC settings
 * on a json webhook mean Splunk HEC, as they always did).
 */
export function inferKind(url: string, format: Format<unknown> | undefined, given: string[]): string {
  const fallback = defaultDestinationKind(url, format);
  const hasAll = (destination: Destination<never>) =>
    given.every((name) => settingNames(destination).has(name));
  const fits = DESTINATIONS.filter(
    (destination) => destination.schemes.includes(schemeOf(url)) && hasAll(destination),
  );
  return fits.some((destination) => destination.kind === fallback) ? fallback : (fits[0]?.kind ?? fallback);
}

/**
 * The webhook's destination, its settings checked by the destination's own schema. A setting may
 * be given in `destination` or, as before, at the top level; given in both, differently, it is
 * refused. A null is "none": for a setting the destination does not have, there is nothing to
 * say. Problems are reported where the client wrote them.
 */
export function resolveDestination(input: DestinationInput, context: z.RefinementCtx): WebhookDestination {
  const { kind: givenKind, ...given } = input.destination ?? {};
  const topLevel = Object.entries(input.topLevel).filter(([, value]) => value !== undefined);
  for (const [name, value] of topLevel) {
    if (name in given && !isDeepStrictEqual(given[name], value)) {
      const message = `given here and, differently, at destination.${name}: send it once`;
      context.addIssue({ code: "custom", path: [name], message });
    }
  }
  const named = [...Object.entries(given), ...topLevel].filter(([, value]) => value !== null);
  const kind = givenKind ?? inferKind(input.url, input.format, [...new Set(named.map(([name]) => name))]);
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
  const known = settingNames(destination as Destination<never>);
  const meant = ([name, value]: [string, unknown]) => value !== null || known.has(name);
  const settings = Object.fromEntries([...Object.entries(given), ...topLevel].filter(meant));
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

/** The secret settings of every destination; secrets are kept by path whatever the kind. */
export const DESTINATION_SECRET_PATHS = [
  ...new Map(
    DESTINATIONS.flatMap((destination: Destination<never>) => destination.secretPaths).map((path) => [
      path.join("."),
      path,
    ]),
  ).values(),
];
