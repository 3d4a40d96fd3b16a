import type { Api } from "../api";
import type { WebhookStats } from "../types";
import { OutcomeChart } from "../ui/outcome-chart";
import { useLoad } from "../ui/use-load";

/** Cells of the integrations table that read the statistics: how many columns they fill. */
export const STATS_COLUMNS = ["Success (24 h)", "p95 latency (24 h)", "Queue", "Deliveries per hour (24 h)"];

const percent = (rate: number) => `${(Math.floor(rate * 1000) / 10).toLocaleString()} %`;

/** Seconds as the largest unit that fits: 45 s, 12 min, 3 h, 2 d. */
function age(seconds: number): string {
  const units: [number, string][] = [
    [86_400, "d"],
    [3600, "h"],
    [60, "min"],
  ];
  const [size, unit] = units.find(([size]) => seconds >= size) ?? [1, "s"];
  return `${Math.floor(seconds / size)} ${unit}`;
}

/** One integration's last 24 hours, loaded on its own so the table shows at once. */
export function IntegrationStats({ api, id, name }: { api: Api; id: string; name: string }) {
  const stats = useLoad(
    () => api.get<WebhookStats>(`/webhooks/${encodeURIComponent(id)}/stats?window=24h`),
    [api, id],
  );
  if (stats.error) {
    return (
      <td colSpan={STATS_COLUMNS.length} class="muted">
        Statistics could not be loaded: {stats.error.message}
      </td>
    );
  }
  if (!stats.data) {
    return (
      <td colSpan={STATS_COLUMNS.length} class="muted">
        …
      </td>
    );
  }
  const { success_rate, latency_ms, queue, hourly } = stats.data;
  return (
    <>
      <td class="number">
        {success_rate === null ? <span class="muted">none ended</span> : percent(success_rate)}
      </td>
      <td class="number">{latency_ms === null ? <span class="muted">–</span> : `${latency_ms.p95} ms`}</td>
      <td class="number">
        {queue.depth}
        {queue.oldest_age_s !== null && <span class="muted"> (oldest {age(queue.oldest_age_s)})</span>}
      </td>
      <td>
        <OutcomeChart hourly={hourly} label={`${name}, deliveries per hour over 24 hours`} />
      </td>
    </>
  );
}
