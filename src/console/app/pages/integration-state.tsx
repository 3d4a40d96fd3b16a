import type { Delivery, Webhook } from "../types";
import { Time } from "../ui/page";

/** Active, paused (queuing, sending nothing), or disabled, with Herald's reason when it disabled it. */
export function IntegrationState({ webhook }: { webhook: Webhook }) {
  if (webhook.state === "active") return <span class="badge good">Active</span>;
  if (webhook.state === "paused") return <span class="badge warn">Paused</span>;
  return (
    <span>
      <span class="badge bad">Disabled</span>
      {webhook.disabled_reason && <span class="reason"> {webhook.disabled_reason}</span>}
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
