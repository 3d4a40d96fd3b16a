import { expect } from "vitest";
import { createPagerDutyStandIn } from "../../support/pagerduty";
import { type ContractRow, humanOptionRejections, parseObject, postOf } from "./row";

/** A PagerDuty Events API v2 Integration Key: 32 letters and digits. */
export const ROUTING_KEY = "R0123456789abcdefABCDEF012345678";
const CONTENT_TYPE = "application/json";
const ROUTING_KEY_RULE = /32-character Integration Key/;

/** What PagerDuty answers to this body posted to /v2/enqueue. */
export function pagerDutyAnswer(body: string) {
  return createPagerDutyStandIn().answer(postOf("/v2/enqueue", CONTENT_TYPE, body));
}

/**
 * PagerDuty's Events API v2: the stand-in accepts the trigger event (202) and names the alert's
 * dedup_key, which is the event's id.
 */
export const pagerDutyRow: ContractRow = {
  options: { routing_key: ROUTING_KEY },
  contentType: CONTENT_TYPE,
  rejectedOptions: [
    [{ routing_key: "a".repeat(31) }, ["routing_key"], ROUTING_KEY_RULE],
    [{ routing_key: "a".repeat(33) }, ["routing_key"], ROUTING_KEY_RULE],
    [{ routing_key: `${"a".repeat(31)} ` }, ["routing_key"], ROUTING_KEY_RULE],
    [{}, ["routing_key"], /routing key .* is required/],
    [{ routing_key: ROUTING_KEY, client_url: "javascript:alert(1)" }, ["client_url"], /http\(s\) URL/],
    [{ routing_key: ROUTING_KEY, source: " " }, ["source"], />=1/],
    [{ routing_key: ROUTING_KEY, severity: "critical" }, [], /severity/],
    ...humanOptionRejections({ routing_key: ROUTING_KEY }),
  ],
  receiverParses(body) {
    const answer = pagerDutyAnswer(body);
    expect(answer.status, answer.body).toBe(202);
    const { dedup_key } = parseObject(answer.body ?? "");
    return [{ id: dedup_key, title: parseObject(body).payload.summary }];
  },
  carriesId: true,
  goldenExtension: "json",
};
