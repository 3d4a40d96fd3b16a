/** What of an attempt's record (store/queue.ts AttemptRecord) tells on its webhook. */
interface CountedRecord {
  webhookId: string;
  success: boolean;
  error: string | null;
  countsForWebhook: boolean;
  throttle: { until: Date; reason: string } | null;
  gone: string | null;
}

/**
 * Per webhook, in the order attempts finished: a success resets the count (`reset`), and
 * `failures` is how many failed after the last success (or in all, with no success); the latest
 * time a receiver asked it to wait until (a throttle), if one did; what a receiver said when it
 * said the destination is gone, after the last success.
 */
export function webhookChanges(records: CountedRecord[]) {
  const changes = new Map<
    string,
    {
      webhook_id: string;
      reset: boolean;
      failures: number;
      last_error: string | null;
      throttled_until: string | null;
      throttle_reason: string | null;
      gone: string | null;
    }
  >();
  for (const record of records) {
    if (!record.countsForWebhook && !record.throttle) continue;
    const change = changes.get(record.webhookId) ?? {
      webhook_id: record.webhookId,
      reset: false,
      failures: 0,
      last_error: null,
      throttled_until: null,
      throttle_reason: null,
      gone: null,
    };
    const { throttle } = record;
    if (throttle) {
      // Neither a success nor a failure: the webhook waits until the latest time asked.
      const until = throttle.until.toISOString();
      if (change.throttled_until === null || until > change.throttled_until) {
        Object.assign(change, { throttled_until: until, throttle_reason: throttle.reason });
      }
    } else if (record.success) Object.assign(change, { reset: true, failures: 0, gone: null });
    else
      Object.assign(change, {
        failures: change.failures + 1,
        last_error: record.error,
        gone: record.gone ?? change.gone,
      });
    changes.set(record.webhookId, change);
  }
  return [...changes.values()];
}
