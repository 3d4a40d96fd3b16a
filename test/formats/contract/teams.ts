import { expect } from "vitest";
import { adaptiveCardProblems } from "../../support/adaptive-cards";
import { type ContractRow, type Json, parseObject } from "./row";

/** The most a message to a Teams incoming webhook may take. */
export const TEAMS_MAX_BYTES = 28 * 1024;

/**
 * A Teams incoming webhook: a message with one Adaptive Card attachment, the card valid for the
 * Adaptive Cards SDK at its version, the whole within 28 KB. The event id is the "Event ID" fact.
 */
export const teamsRow: ContractRow = {
  options: {},
  contentType: "application/json",
  rejectedOptions: [
    [{ card_version: "2.0" }, ["card_version"], /1\.0, 1\.1, 1\.2, 1\.3, 1\.4, 1\.5/],
    [{ card_version: 1.4 }, ["card_version"], /Adaptive Card version/],
  ],
  receiverParses(body) {
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    const message = parseObject(body);
    const card = message.attachments?.[0]?.content;
    expect(message).toEqual({
      type: "message",
      attachments: [
        { contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card },
      ],
    });
    expect(adaptiveCardProblems(card)).toEqual([]);
    const facts: Json[] = card.body.find((element: Json) => element.type === "FactSet")?.facts ?? [];
    const id = facts.find((fact) => fact.title === "Event ID")?.value;
    expect(card.body[0]?.type).toBe("TextBlock");
    return [{ id: id ?? null, title: card.body[0].text }];
  },
  carriesId: true,
  goldenExtension: "json",
};
