import { FormatError, type Rendered } from "../formats/format";
import { findFormat } from "../formats/registry";
import type { DeliveryJob } from "../store/deliveries";
import { type TemplateEngine, TemplateError } from "../templates/engine";
import type { Transports } from "../transports/registry";
import { failure, type SendOutcome } from "../transports/transport";
import { signatureHeaders } from "./signing";

export const USER_AGENT = "Herald/0.1 (+security-event gateway)";

export interface AttemptDeps {
  templates: TemplateEngine;
  transports: Transports;
  now: () => Date;
}

/** Renders the webhook's format for the job's event, or says why it could not (never retryable). */
export function renderJob(job: DeliveryJob, templates: TemplateEngine, now: Date): Rendered {
  const { webhook } = job;
  const format = findFormat(webhook.format);
  if (!format) throw new FormatError(`unknown format "${webhook.format}"`);
  const options = format.optionsSchema.parse(webhook.options);
  const template = templates.compile(webhook.template ?? templates.defaultSource(format.name));
  return format.render({ events: [job.event], options, template, now });
}

/** Headers for one request: content type, the operator's headers, webhook-id and signatures. */
export function requestHeaders(job: DeliveryJob, rendered: Rendered, now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const identity = job.webhook.secret
    ? signatureHeaders(job.webhook.secret, job.deliveryId, timestamp, rendered.body)
    : { "webhook-id": job.deliveryId, "webhook-timestamp": String(timestamp) };
  return {
    "content-type": rendered.contentType,
    "user-agent": USER_AGENT,
    ...job.webhook.headers,
    ...identity,
  };
}

/** One attempt: render, sign and send. Template and format errors are permanent failures. */
export async function attemptDelivery(job: DeliveryJob, deps: AttemptDeps): Promise<SendOutcome> {
  const now = deps.now();
  let rendered: Rendered;
  try {
    rendered = renderJob(job, deps.templates, now);
  } catch (error) {
    if (error instanceof TemplateError || error instanceof FormatError) {
      return failure(`template error: ${error.message}`, false, 0);
    }
    return failure(`cannot render: ${(error as Error).message}`, false, 0);
  }
  const { webhook } = job;
  const outcome = await deps.transports.forUrl(webhook.url).send({
    url: webhook.url,
    method: webhook.method,
    headers: requestHeaders(job, rendered, now),
    body: rendered.body,
    timeoutMs: webhook.timeoutMs,
    connectTimeoutMs: webhook.connectTimeoutMs,
  });
  return { ...outcome, warnings: [...rendered.warnings, ...outcome.warnings] };
}
