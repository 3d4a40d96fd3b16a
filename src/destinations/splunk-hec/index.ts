import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { type Destination, failure, type SendOutcome } from "../destination";
import { classifyResponse } from "../http/answers";
import { HTTP_SCHEMES, HTTP_SECRET_PATHS, httpSettingsShape } from "../http/index";
import { createHttpSender, type HttpRules, type HttpSettingsBase, withHeader } from "../http/sender";
import { classifyHecAnswer, hecAckUrl, isAcknowledged, parseHecAnswer } from "./answers";

const HEC_ACK_POLL_MAX_MS = 2000;

const splunkHecSettingsSchema = z.strictObject({
  ...httpSettingsShape,
  /** HEC's own settings. Default: no channel, no acknowledgement. */
  splunk_hec: z
    .strictObject({
      /** Wait for indexer acknowledgement before counting a delivery as delivered. */
      ack: z.boolean().default(false),
      /** X-Splunk-Request-Channel; Herald makes one per webhook when none is given. */
      channel: z.uuid().optional(),
    })
    // Made here rather than as a default, which the settings' JSON Schema would show as one
    // fixed value for every webhook.
    .transform(({ ack, channel }) => ({ ack, channel: channel ?? crypto.randomUUID() }))
    .nullable()
    .default(null),
});
type SplunkHecSettings = z.infer<typeof splunkHecSettingsSchema> & HttpSettingsBase;

/**
 * Splunk's answers ({"text","code"}: code 0 is success; token and data errors are permanent, a
 * busy server is retried) and, with `ack`, polling /services/collector/ack until Splunk has
 * indexed the events or the send's time is up.
 */
function hecRules(firstPollMs: number): HttpRules<SplunkHecSettings> {
  return {
    headers: (settings): Record<string, string> =>
      settings.splunk_hec ? { "x-splunk-request-channel": settings.splunk_hec.channel } : {},
    classify: (answer, outcome) => classifyHecAnswer(outcome, parseHecAnswer(answer.body)),
    async confirm(answer, outcome, { request, headers, followUp, signal }) {
      if (!request.settings.splunk_hec?.ack) return outcome;
      const ackId = parseHecAnswer(answer.body)?.ackId;
      if (ackId === undefined) {
        const warning =
          "Splunk HEC gave no ackId: indexer acknowledgement is off for this token, so this counts the events as accepted, not as indexed";
        return { ...outcome, warnings: [warning] };
      }
      const pollHeaders = withHeader(headers, "content-type", "application/json");
      const body = JSON.stringify({ acks: [ackId] });
      try {
        for (let pauseMs = firstPollMs; ; pauseMs = Math.min(2 * pauseMs, HEC_ACK_POLL_MAX_MS)) {
          await sleep(pauseMs, undefined, { signal });
          const polled = await followUp(hecAckUrl(request.url), pollHeaders, body);
          if (isAcknowledged(polled.body, ackId)) return outcome;
          const poll = classifyHecAnswer(classifyResponse(polled, 0), parseHecAnswer(polled.body));
          if (!poll.success && !poll.retryable) return ackPollFailed(poll, outcome);
        }
      } catch (error) {
        if (!signal.aborted) throw error;
        return failure(
          `Splunk HEC accepted the events (ackId ${ackId}) but had not acknowledged indexing them within ${request.timeoutMs} ms`,
          true,
          0,
          { statusCode: outcome.statusCode },
        );
      }
    },
  };
}

function ackPollFailed(poll: SendOutcome, accepted: SendOutcome): SendOutcome {
  return {
    ...poll,
    statusCode: poll.statusCode ?? accepted.statusCode,
    error: `Splunk HEC acknowledgement poll failed: ${poll.error}`,
  };
}

/** Splunk HTTP Event Collector: chosen by the splunk_hec format, or by `destination.kind`. */
export const splunkHecDestination: Destination<SplunkHecSettings> = {
  kind: "splunk_hec",
  description:
    "Splunk HTTP Event Collector: HEC's answer codes, optional indexer acknowledgement on a channel",
  schemes: HTTP_SCHEMES,
  settingsSchema: splunkHecSettingsSchema,
  secretPaths: HTTP_SECRET_PATHS,
  sendsHeaders: true,
  open: (context) => createHttpSender(context, hecRules(context.hecAckPollMs ?? 250)),
};
