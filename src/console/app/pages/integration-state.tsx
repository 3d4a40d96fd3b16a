import type { Delivery, Webhook } from "../types";
import { Time } from "../ui/page";

/** Active, paused by an operator, or disabled by Herald (the failure threshold) with its reason. */
export function IntegrationState({ webhook }: { webhook: Webhook }) {
  if (webhook.is_active) return <span class="badge good">Active</span>;
  if (!webhook.disabled_reason) return <span class="badge">Paused</span>;
  return (
    <span>
      <span class="badge bad">Disabled</span> <span class="reason">{webhook.disabled_reason}</span>
    </span>
  );
}

const OUTCOME_CLASS: Record<string, string> = {
  delivered: "good",
  dead: "bad",
  discarded: "bad",
  retrying: "warn",
  pending: "warn",
};

/** A delivery's state and the receiver's status code, when it answered. */
export function DeliveryOutcome({ delivery }: { delivery: Delivery }) {
  return (
    <span>
      <span class={`badge ${OUTCOME_CLASS[delivery.status] ?? ""}`}>{delivery.status}</span>
      {delivery.status_code !== null && ` ${delivery.status_code}`} <Time iso={delivery.updated_at} />
    </span>
  );
}
