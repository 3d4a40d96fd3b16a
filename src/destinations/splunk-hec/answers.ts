import type { SendOutcome } from "../destination";

/** What Splunk HEC answers: {"text","code"}, with "ackId" when indexer acknowledgement is on. */
export interface HecAnswer {
  text: string;
  code: number;
  ackId?: number;
}

export function parseHecAnswer(body: string): HecAnswer | null {
  try {
    const value = JSON.parse(body);
    return typeof value?.code === "number" && typeof value.text === "string" ? value : null;
  } catch {
    return null;
  }
}

/**
 * Splunk's documented HEC codes that decide retrying on their own; any other code is classed by
 * its HTTP status (e.g. 8 internal error: 500, retryable; 10 channel missing: 400, permanent).
 */
const HEC_CODE_CLASSES = new Map<number, { kind: string; retryable: boolean }>([
  ...[1, 2, 3, 4].map((code) => [code, { kind: "token error", retryable: false }] as const),
  ...[5, 6, 7, 12, 13].map((code) => [code, { kind: "data error", retryable: false }] as const),
  [9, { kind: "server busy", retryable: true }],
]);

/** An HTTP outcome refined by Splunk's answer: code 0 is success, any other code a failure naming it. */
export function classifyHecAnswer(outcome: SendOutcome, answer: HecAnswer | null): SendOutcome {
  if (!answer || answer.code === 0) return outcome;
  const known = HEC_CODE_CLASSES.get(answer.code);
  if (!known && outcome.success) return outcome;
  return {
    ...outcome,
    success: false,
    retryable: known?.retryable ?? outcome.retryable,
    error: `Splunk HEC code ${answer.code}${known ? ` (${known.kind})` : ""}: ${answer.text}`,
  };
}

/** Whether an ack poll's answer says `ackId` is indexed: {"acks":{"<id>":true}}. */
export function isAcknowledged(body: string, ackId: number): boolean {
  try {
    return JSON.parse(body)?.acks?.[String(ackId)] === true;
  } catch {
    return false;
  }
}

/** The ack endpoint beside the event endpoint: …/services/collector[/event] → …/services/collector/ack. */
export function hecAckUrl(eventUrl: string): string {
  const url = new URL(eventUrl);
  const at = url.pathname.indexOf("/services/collector");
  url.pathname = `${at >= 0 ? url.pathname.slice(0, at) : ""}/services/collector/ack`;
  url.search = "";
  return url.toString();
}
