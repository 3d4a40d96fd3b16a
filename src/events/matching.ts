import type { HeraldEvent } from "./event";
import { isAtLeast, type Severity } from "./severity";
import { typeMatchesPattern } from "./type-pattern";

/** The part of a webhook that decides which events it receives. */
export interface Subscription {
  eventTypes: string[];
  eventsPolicy: "include" | "exclude";
  minSeverity: Severity;
}

export function subscriptionMatches(subscription: Subscription, event: HeraldEvent): boolean {
  if (!isAtLeast(event.severity, subscription.minSeverity)) return false;
  const listed = subscription.eventTypes.some((pattern) => typeMatchesPattern(event.type, pattern));
  return subscription.eventsPolicy === "include" ? listed : !listed;
}
