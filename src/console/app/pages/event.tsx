import type { PageProps } from "../page-props";
import type { EventWithDeliveries } from "../types";
import { ErrorMessage, Loading, Page, Time } from "../ui/page";
import { useLoad } from "../ui/use-load";
import { DeliveryTable } from "./delivery-table";

/** One event: its fields, its data as JSON text, and its fan-out (each integration's delivery). */
export function EventPage({ api, params }: PageProps) {
  const source = params.source as string;
  const id = params.id as string;
  const event = useLoad(
    () =>
      api.get<EventWithDeliveries>(`/events/${encodeURIComponent(id)}?source=${encodeURIComponent(source)}`),
    [api, source, id],
  );
  const shown = event.data;
  if (!shown) {
    return <Page title="Event">{event.error ? <ErrorMessage error={event.error} /> : <Loading />}</Page>;
  }
  const fields: [string, string | null][] = [
    ["Id", shown.id],
    ["Source", shown.source],
    ["Type", shown.type],
    ["Severity", shown.severity],
    ["Subject", shown.subject],
  ];
  return (
    <Page title={shown.title}>
      <dl class="read-only">
        {fields.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value ?? <span class="muted">none</span>}</dd>
          </div>
        ))}
        <div>
          <dt>Time</dt>
          <dd>
            <Time iso={shown.time} />
          </dd>
        </div>
        <div>
          <dt>Received</dt>
          <dd>
            <Time iso={shown.received_at} />
          </dd>
        </div>
      </dl>
      <section aria-labelledby="event-data-title">
        <h2 id="event-data-title">Data</h2>
        <pre class="event-data">{JSON.stringify(shown.data, null, 2)}</pre>
      </section>
      <section aria-labelledby="fan-out-title">
        <h2 id="fan-out-title">Deliveries ({shown.deliveries.length})</h2>
        {shown.deliveries.length === 0 ? (
          <p>No integration was subscribed to this event.</p>
        ) : (
          <DeliveryTable deliveries={shown.deliveries} showEvent={false} />
        )}
      </section>
    </Page>
  );
}
