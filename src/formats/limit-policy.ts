import { z } from "zod";
import { FormatError } from "./format";

// What the formats people read (slack, teams, discord) do with an event that exceeds their
// receiver's limits: cut it to fit (truncate), send it as several messages (split), or refuse it
// (reject). The layout of the parts is in split-layout.ts.

export const LIMIT_POLICIES = ["truncate", "split", "reject"] as const;
export type LimitPolicy = (typeof LIMIT_POLICIES)[number];

/** The `limit_policy` option of slack, teams and discord. */
export const limitPolicyShape = {
  limit_policy: z
    .enum(LIMIT_POLICIES, {
      error: "must be truncate (cut what exceeds the limits), split (several messages) or reject",
    })
    .default("truncate"),
};

/** Whether webhook options ask for messages in parts (which only a destination with headers sends). */
export function splitsMessages(options: unknown): boolean {
  return typeof options === "object" && options !== null && "limit_policy" in options
    ? options.limit_policy === "split"
    : false;
}

/**
 * The most messages one event is split into. Whatever does not fit in them is left out, and the
 * last part says how many fields: a retry sends every part again, and receivers rate-limit a
 * webhook (Discord: about five messages in two seconds), so parts are not free.
 */
export const MAX_PARTS = 25;

/** Characters kept free in every part for its label. */
export const LABEL_RESERVE = 60;

/** "part 2 of 3", with what the last part could not carry: "part 25 of 25, 120 more fields not sent". */
export function partLabel(index: number, count: number, leftOut = 0): string {
  const label = `part ${index + 1} of ${count}`;
  return index === count - 1 && leftOut > 0 ? `${label}, ${leftOut} more fields not sent` : label;
}

/** The error of limit_policy reject: the problem, and the policy that made it one. */
export function rejected(problem: string): FormatError {
  return new FormatError(`${problem} (limit_policy reject)`);
}

/** What was cut, for reject's error: the first cut and how many more there were. */
export function firstOf(warnings: string[]): string {
  const more = warnings.length > 1 ? ` and ${warnings.length - 1} more` : "";
  return `${warnings[0] ?? ""}${more}`;
}

/**
 * The length every text may keep so that all of them together fit the budget: shorter texts
 * stay whole and the longest are cut to the same length.
 */
export function fairCap(lengths: number[], budget: number): number {
  const ascending = [...lengths].sort((a, b) => a - b);
  let remaining = budget;
  for (const [index, length] of ascending.entries()) {
    const share = Math.floor(remaining / (ascending.length - index));
    if (length > share) return share;
    remaining -= length;
  }
  return Number.POSITIVE_INFINITY;
}
