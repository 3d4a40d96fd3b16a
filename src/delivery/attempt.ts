import { failure, type SendOutcome } from "../destinations/destination";
import { settingsAt } from "../destinations/http/auth";
import { findDestination, type Senders } from "../destinations/registry";
import type { Rendered } from "../formats/format";
import { FormatError } from "../formats/format";
import { findFormat } from "../formats/registry";
import { RenderAbortedError, type RenderPool } from "../rendering/pool";
import type { DeliveryJob } from "../store/queue";
import { RenderTimeoutError, TemplateError } from "../templates/handlebars";
import { mayOverrideHeader } from "../webhooks/headers";
import { type SentRequest, sentRequest } from "./sent-request";
import { signatureHeaders, signingSecrets } from "./signing";

export const USER_AGENT = "Herald/0.1 (+security-event gateway)";

/** An attempt's outcome and the request it sent (its first, for a message sent in parts), if it sent one. */
export interface AttemptOutcome extends SendOutcome {
  request?: SentRequest | null;
}

export interface AttemptDeps {
  renderer: Pick<RenderPool, "render">;
  senders: Senders;
  now: () => Date;
}

/**
 * Headers for one request: content type, the operator's headers, webhook-id and signatures (two
 * during a secret rotation's overlap, see signingSecrets). The webhook-id is the delivery's id (for a batch, its first delivery's), the same on every retry;
 * a message sent in parts keeps it for its first part, and part k is `<id>.<k>`. Herald's own
 * headers always win: an operator's header that Herald owns is dropped.
 */
export function requestHeaders(
  job: DeliveryJob,
  rendered: Pick<Rendered, "contentType" | "body">,
  now: Date,
  messageId = job.deliveryId,
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const [secret, ...previous] = signingSecrets(job.webhook, now);
  const identity = secret
    ? signatureHeaders([secret, ...previous], messageId, timestamp, rendered.body)
    : { "webhook-id": messageId, "webhook-timestamp": String(timestamp) };
  // A webhook saved before such names were refused may still hold one (a forged signature, a
  // user agent): it is left out rather than sent. Names are lowered so that an allowed
  // "Content-Type" replaces Herald's instead of doubling it.
  const format = findFormat(job.webhook.format);
  const operatorHeaders = Object.fromEntries(
    Object.entries(job.webhook.headers)
      .filter(([name]) => mayOverrideHeader(name, format))
      .map(([name, value]) => [name.toLowerCase(), value]),
  );
  return {
    "content-type": rendered.contentType,
    "user-agent": USER_AGENT,
    ...operatorHeaders,
    ...identity,
  };
}

/** A request's message rendered (ahead of its place at the receiver, see engine.ts), or the failure that ends its attempt. */
export type Prepared = { rendered: Rendered } | { outcome: AttemptOutcome };

/**
 * Renders one request's message for its jobs. Template and format errors are permanent failures,
 * but for a render that ran out of time: the same render may finish on a less busy machine, so
 * it is retried on the webhook's schedule (a template that always runs too long ends dead after
 * its retries, each stopped at the limit).
 */
export async function renderAttempt(
  jobs: [DeliveryJob, ...DeliveryJob[]],
  deps: AttemptDeps,
): Promise<Prepared> {
  try {
    const suppressed = jobs.reduce((sum, each) => sum + each.suppressedBefore, 0);
    const events = jobs.map((each) => each.event);
    return { rendered: await deps.renderer.render(jobs[0].webhook, events, deps.now(), suppressed) };
  } catch (error) {
    const isTemplates =
      error instanceof TemplateError || error instanceof FormatError || error instanceof RenderAbortedError;
    const problem = isTemplates ? "template error" : "cannot render";
    const retryable = error instanceof RenderTimeoutError;
    return {
      outcome: { ...failure(`${problem}: ${(error as Error).message}`, retryable, 0), request: null },
    };
  }
}

/**
 * One attempt for one or more deliveries of the same webhook, sent as one request: render (or
 * take the message `prepared` ahead), sign and send. A message rendered in parts
 * (limit_policy split) is sent part after part, each signed on its own; the first failure ends
 * the attempt with its outcome, and a retry sends every part again. Beside the outcome, the first
 * request as the history keeps it (secrets masked, the body cut).
 */
export async function attemptDelivery(
  jobs: [DeliveryJob, ...DeliveryJob[]],
  deps: AttemptDeps,
  prepared: Promise<Prepared> = renderAttempt(jobs, deps),
): Promise<AttemptOutcome> {
  const ready = await prepared;
  if ("outcome" in ready) return ready.outcome;
  const { rendered } = ready;
  const now = deps.now();
  const [job] = jobs;
  const { webhook } = job;
  const { kind, ...settings } = webhook.destination;
  // Syslog carries the body alone: no headers to build, no signature to compute.
  const sendsHeaders = findDestination(kind)?.sendsHeaders ?? true;
  const bodies = [rendered.body, ...(rendered.parts ?? [])];
  const headersOf = (index: number, body: string) =>
    sendsHeaders
      ? requestHeaders(
          job,
          { ...rendered, body },
          now,
          index === 0 ? job.deliveryId : `${job.deliveryId}.${index + 1}`,
        )
      : {};
  const firstHeaders = headersOf(0, rendered.body);
  const sendPart = (index: number, body: string) =>
    deps.senders.forKind(kind).send({
      url: webhook.url,
      method: webhook.method,
      headers: index === 0 ? firstHeaders : headersOf(index, body),
      body,
      eventCount: jobs.length,
      timeoutMs: webhook.timeoutMs,
      connectTimeoutMs: webhook.connectTimeoutMs,
      // The credential in effect now: a destination's `auth.next` takes over at its time.
      settings: settingsAt(settings, now),
    });
  const warnings = [...rendered.warnings];
  let durationMs = 0;
  let index = 0;
  let outcome: SendOutcome;
  do {
    outcome = await sendPart(index, bodies[index] as string);
    durationMs += outcome.durationMs;
    warnings.push(...outcome.warnings);
  } while (outcome.success && ++index < bodies.length);
  const error =
    outcome.success || bodies.length === 1
      ? outcome.error
      : `${outcome.error} (part ${index + 1} of ${bodies.length})`;
  const request = sentRequest(webhook, firstHeaders, rendered.body, sendsHeaders, now);
  return { ...outcome, error, durationMs, warnings, request };
}
