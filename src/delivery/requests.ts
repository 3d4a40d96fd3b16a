import type { DeliveryJob } from "../store/queue";
import { readFlow } from "../webhooks/flow";
import { eventsPerRequest, sendsDigests } from "./render";

/** One request's jobs: of one webhook, as many as one request carries. */
export type RequestJobs = [DeliveryJob, ...DeliveryJob[]];

/**
 * Claimed jobs as requests, in claim order: a webhook that sends digests gets one request per
 * group (of at most its group's max_events); another, its jobs in runs of as many as one request
 * carries (one, unless its format batches).
 */
export function requests(jobs: DeliveryJob[]): RequestJobs[] {
  const started: RequestJobs[] = [];
  const open = new Map<string, DeliveryJob[]>();
  const shapes = new Map<string, RequestShape>();
  for (const job of jobs) {
    const { webhook } = job;
    const shape = shapes.get(webhook.id) ?? requestShape(webhook);
    shapes.set(webhook.id, shape);
    const { digests, size } = shape;
    const key = digests ? `${webhook.id} ${job.groupKey ?? ""}` : webhook.id;
    const request = open.get(key);
    if (size > 1 && request && request.length < size) {
      request.push(job);
      continue;
    }
    const next: RequestJobs = [job];
    started.push(next);
    if (size > 1) open.set(key, next);
  }
  return started;
}

interface RequestShape {
  /** One request per group. */
  digests: boolean;
  /** The most jobs one request carries. */
  size: number;
}

function requestShape(webhook: DeliveryJob["webhook"]): RequestShape {
  const digests = sendsDigests(webhook);
  return {
    digests,
    size: digests ? (readFlow(webhook.flow).group?.max_events ?? 1) : eventsPerRequest(webhook),
  };
}
