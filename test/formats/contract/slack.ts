import { expect } from "vitest";
import { type ContractRow, humanOptionRejections, parseObject } from "./row";

export interface TextObject {
  type: string;
  text: string;
}
export interface Block {
  type: string;
  text?: TextObject;
  fields?: TextObject[];
  elements?: TextObject[];
}
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

const chars = (text: string) => Array.from(text).length;

/** Slack's Block Kit limits, and Herald's budget for all block text, checked on a message. */
export function limitViolations(message: SlackMessage): string[] {
  const violations: string[] = [];
  if (message.blocks.length > 50) violations.push(`${message.blocks.length} blocks`);
  let blockText = 0;
  for (const [index, block] of message.blocks.entries()) {
    const texts: [TextObject | undefined, number][] = [];
    if (block.type === "header") texts.push([block.text, 150]);
    if (block.type === "section") {
      texts.push([block.text, 3000]);
      if (block.fields && !(block.fields.length >= 1 && block.fields.length <= 10)) {
        violations.push(`blocks[${index}] has ${block.fields.length} fields`);
      }
      for (const field of block.fields ?? []) texts.push([field, 2000]);
    }
    if (block.type === "context") {
      if ((block.elements ?? []).length > 10) violations.push(`blocks[${index}] has too many elements`);
      for (const element of block.elements ?? []) texts.push([element, 3000]);
    }
    for (const [textObject, max] of texts) {
      if (!textObject) continue;
      if (chars(textObject.text) > max)
        violations.push(`blocks[${index}]: ${chars(textObject.text)} > ${max}`);
      blockText += chars(textObject.text);
    }
  }
  if (blockText > 10_000) violations.push(`${blockText} characters of block text`);
  return violations;
}

function mrkdwnTexts(message: SlackMessage): string[] {
  const objects = message.blocks.flatMap((block) => [
    block.text,
    ...(block.fields ?? []),
    ...(block.elements ?? []),
  ]);
  return [message.text, ...objects.filter((o) => o?.type === "mrkdwn").map((o) => o?.text ?? "")];
}

/** mrkdwn texts holding a raw < or >, or an & that does not start &amp; &lt; &gt; (the mention aside). */
export function unescaped(message: SlackMessage, mention?: string): string[] {
  return mrkdwnTexts(message).filter((text) =>
    /[<>]|&(?!amp;|lt;|gt;)/.test(mention ? text.replaceAll(mention, "") : text),
  );
}

export function unescapeMrkdwn(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/**
 * A Slack incoming webhook: a Block Kit message within Slack's limits, every mrkdwn text escaped
 * (with no mention configured, nothing can ping or link). Slack shows no event id.
 */
export const slackRow: ContractRow = {
  options: {},
  contentType: "application/json",
  rejectedOptions: [
    [{ max_fields: 11 }, ["max_fields"], /at most 10 fields/],
    [{ max_fields: 0 }, ["max_fields"], />=1/],
    [{ max_fields: "ten" }, ["max_fields"], /expected number/],
    [{ mention: "@here" }, ["mention"], /Slack mention syntax/],
    [{ mention: "<!here> <https://evil.example|click>" }, ["mention"], /Slack mention syntax/],
    [{ mention_severity: "urgent" }, ["mention_severity"], /"info"\|"low"\|"medium"\|"high"\|"critical"/],
    ...humanOptionRejections(),
  ],
  receiverParses(body) {
    const message = parseObject(body) as SlackMessage;
    expect(typeof message.text).toBe("string");
    expect(Array.isArray(message.blocks)).toBe(true);
    for (const block of message.blocks) expect(typeof block.type).toBe("string");
    expect(limitViolations(message)).toEqual([]);
    expect(unescaped(message)).toEqual([]);
    const header = message.blocks.find((block) => block.type === "header");
    expect(header?.text?.type).toBe("plain_text");
    return [{ id: null, title: header?.text?.text ?? "" }];
  },
  carriesId: false,
  goldenExtension: "json",
};
