import type { Api } from "../api";
import type { PageProps } from "../page-props";
import { href } from "../router";
import type { Delivery, List, Webhook } from "../types";
import { ErrorMessage, Loading, Page } from "../ui/page";
import { useLoad } from "../ui/use-load";
import { DeliveryOutcome, IntegrationState } from "./integration-state";
import { IntegrationStats, STATS_COLUMNS } from "./integration-stats";

/** The last delivery of one integration, loaded on its own so the table shows at once. */
function LastDelivery({ api, id }: { api: Api; id: string }) {
  const last = useLoad(
    () => api.get<List<Delivery>>(`/webhooks/${encodeURIComponent(id)}/deliveries?limit=1`),
    [api, id],
  );
  if (last.error) return <span class="muted">could not load: {last.error.message}</span>;
  if (!last.data) return <span class="muted">…</span>;
  const [delivery] = last.data.data;
  return delivery ? <DeliveryOutcome delivery={delivery} /> : <span class="muted">none yet</span>;
}

/**
 * Every integration (webhook): where it sends, in which format, how its last delivery ended, and
 * its last 24 hours (success rate, p95 latency, queue, deliveries per hour).
 */
export function IntegrationsPage({ api, role }: PageProps) {
  const webhooks = useLoad(() => api.get<List<Webhook>>("/webhooks"), [api]);
  const actions = role === "admin" && (
    <a class="button primary" href={href("/integrations/new")}>
      New integration
    </a>
  );
  return (
    <Page title="Integrations" actions={actions}>
      {webhooks.error && <ErrorMessage error={webhooks.error} />}
      {!webhooks.data && !webhooks.error && <Loading />}
      {webhooks.data?.data.length === 0 && <p>No integrations yet.</p>}
      {webhooks.data && webhooks.data.data.length > 0 && (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Format</th>
              <th scope="col">Destination</th>
              <th scope="col">State</th>
              <th scope="col">Last delivery</th>
              {STATS_COLUMNS.map((column) => (
                <th scope="col" key={column}>
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {webhooks.data.data.map((webhook) => (
              <tr key={webhook.id}>
                <td>
                  <a href={href(`/integrations/${encodeURIComponent(webhook.id)}`)}>{webhook.name}</a>
                </td>
                <td>{webhook.format}</td>
                <td>
                  <span class="kind">{webhook.destination.kind}</span> <span class="url">{webhook.url}</span>
                </td>
                <td>
                  <IntegrationState webhook={webhook} />
                </td>
                <td>
                  <LastDelivery api={api} id={webhook.id} />
                </td>
                <IntegrationStats api={api} id={webhook.id} name={webhook.name} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
