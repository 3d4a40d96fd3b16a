import { href } from "../router";
import type { Delivery } from "../types";
import { Time } from "../ui/page";
import { deliveryPath, eventPath, integrationPath } from "../ui/paths";
import { DeliveryOutcome } from "./integration-state";

/**
 * Deliveries as a table: when each was made (opening it), the integration, the event (unless the
 * page is the event's own), how it stands, attempts and the last attempt's duration.
 */
export function DeliveryTable({
  deliveries,
  showEvent = true,
}: {
  deliveries: Delivery[];
  showEvent?: boolean;
}) {
  return (
    <table class="list">
      <thead>
        <tr>
          <th scope="col">Created</th>
          <th scope="col">Integration</th>
          {showEvent && <th scope="col">Event</th>}
          <th scope="col">State</th>
          <th scope="col">Attempts</th>
          <th scope="col">Duration</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((delivery) => (
          <tr key={delivery.id}>
            <td>
              <a href={href(deliveryPath(delivery.id))}>
                <Time iso={delivery.created_at} />
              </a>
              {delivery.is_test && (
                <>
                  {" "}
                  <span class="badge">test</span>
                </>
              )}
            </td>
            <td>
              <a href={href(integrationPath(delivery.webhook_id))}>{delivery.webhook_name}</a>
            </td>
            {showEvent && (
              <td>
                <a href={href(eventPath(delivery.event_source, delivery.event_id))}>{delivery.event_type}</a>
              </td>
            )}
            <td>
              <DeliveryOutcome delivery={delivery} />
            </td>
            <td class="number">{delivery.attempt}</td>
            <td class="number">{delivery.duration_ms === null ? "–" : `${delivery.duration_ms} ms`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
