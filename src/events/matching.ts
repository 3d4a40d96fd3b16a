import type { HeraldEvent } from "./event";
import { isAtLeast, type Severity } from "./severity";

/** The part of a webhook that decides which events it receives. */
export interface Subscription {
  eventTypes: string[];
  eventsPolicy: "include" | "exclude";
  minSeverity: Severity;
}

/** "*" matches every type, "auth.*" every type that starts with "auth.", anything else itself. */
export function typeMatchesPattern(type: string, pattern: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("*")) return type.startsWith(pattern.slice(0, -1));
  return type === pattern;
}

export function subscriptionMatches(subscription: Subscription, event: HeraldEvent): boolean {
  if (!isAtLeast(event.severity, subscription.minSeverity)) return false;
  const listed = subscription.eventTypes.some((pattern) => typeMatchesPattern(event.type, pattern));
  return subscription.eventsPolicy === "include" ? listed : !listed;
}
