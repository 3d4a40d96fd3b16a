import type { HelperOptions } from "handlebars";

/**
 * Template helpers cannot return warnings, so a format that wants to hear what its helpers had
 * to change renders with a list under this key in the template context. A symbol: templates
 * cannot see it, and helpers used by other formats' templates find none and stay silent.
 */
export const HELPER_WARNINGS = Symbol("warnings from template helpers");

/** Says, from inside a helper, what it had to change; heard when the format set up a list. */
export function warnFromHelper(helperOptions: HelperOptions, message: string): void {
  const root = helperOptions.data?.root as { [HELPER_WARNINGS]?: string[] } | undefined;
  root?.[HELPER_WARNINGS]?.push(message);
}
