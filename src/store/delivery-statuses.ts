// No imports: the console reads the same list in the browser.

/** `suppressed`: a repeat within the webhook's dedup window, never sent (its error names the earlier delivery). */
export const DELIVERY_STATUSES = [
  "pending",
  "retrying",
  "delivered",
  "dead",
  "discarded",
  "suppressed",
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
