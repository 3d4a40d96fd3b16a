import { expect } from "vitest";
import { adaptiveCardProblems } from "../../support/adaptive-cards";
import { type ContractRow, humanOptionRejections, isJsonObject, type Json, parseObject } from "./row";

/** The most a message to a Teams incoming webhook may take. */
export const TEAMS_MAX_BYTES = 28 * 1024;

/** Every element of a card's body, depth first, with the items of its Containers. */
export function cardElements(card: Json): Json[] {
  const walk = (elements: unknown): Json[] =>
    Array.isArray(elements)
      ? elements.filter(isJsonObject).flatMap((element) => [element, ...walk(element.items)])
      : [];
  return walk(card.body);
}

/** The facts of every FactSet of the card, in order. */
export function cardFacts(card: Json): Json[] {
  return cardElements(card)
    .filter((element) => element.type === "FactSet")
    .flatMap((factSet) => factSet.facts ?? []);
}

/**
 * What Teams would find wrong with a card: the Adaptive Cards SDK's problems with it, and with
 * its `msteams` property, which the SDK does not know (Teams reads it: width, mentions). As
 * Microsoft documents it ("Format cards in Teams": full width, user mention in incoming webhook
 * with Adaptive Cards): `width` is "Full"; each entity is a mention whose text ("<at>name</at>")
 * appears in a TextBlock of the card, naming the user by id and name.
 */
export function teamsCardProblems(card: Json): string[] {
  const { msteams, ...rest } = card;
  const problems = adaptiveCardProblems(rest);
  if (msteams === undefined) return problems;
  if (!isJsonObject(msteams)) return [...problems, "msteams: not an object"];
  const { width, entities, ...unknown } = msteams;
  if (width !== undefined && width !== "Full") problems.push(`msteams.width: ${JSON.stringify(width)}`);
  for (const key of Object.keys(unknown)) problems.push(`msteams.${key}: not a Teams card property`);
  const texts = cardElements(card)
    .filter((element) => element.type === "TextBlock")
    .map((element) => String(element.text));
  for (const [index, entity] of (Array.isArray(entities) ? entities : []).entries()) {
    const { type, text, mentioned } = entity ?? {};
    const ok =
      type === "mention" &&
      typeof text === "string" &&
      /^<at>[^<>]+<\/at>$/.test(text) &&
      texts.some((shown) => shown.includes(text)) &&
      typeof mentioned?.id === "string" &&
      mentioned.id !== "" &&
      typeof mentioned?.name === "string" &&
      mentioned.name !== "";
    if (!ok) problems.push(`msteams.entities[${index}]: not a mention shown in the card`);
  }
  if (entities !== undefined && !Array.isArray(entities)) problems.push("msteams.entities: not a list");
  return problems;
}

/**
 * A Teams incoming webhook: a message with one Adaptive Card attachment, the card valid for the
 * Adaptive Cards SDK at its version (and its msteams property as Teams documents it), the whole
 * within 28 KB. The title is the card's first TextBlock; the event id is the "Event ID" fact.
 */
export const teamsRow: ContractRow = {
  options: {},
  contentType: "application/json",
  rejectedOptions: [
    [{ card_version: "2.0" }, ["card_version"], /1\.0, 1\.1, 1\.2, 1\.3, 1\.4, 1\.5/],
    [{ card_version: 1.4 }, ["card_version"], /Adaptive Card version/],
    [{ mention: { id: "alice@contoso.com" } }, ["mention", "name"], /expected string/],
    [{ mention: { id: "a b", name: "Alice" } }, ["mention", "id"], /without spaces/],
    [{ mention: { id: "a", name: "</at><at>Bob" } }, ["mention", "name"], /without "<", ">"/],
    [{ mention: { id: "a", name: "A", team: "x" } }, ["mention"], /team/],
    [{ mention_severity: "urgent" }, ["mention_severity"], /"info"\|"low"\|"medium"\|"high"\|"critical"/],
    [{ fields: ["remote_addr4"] }, ["fields", 0], /path into the event/],
    [{ link_template: "https://{data.host}/x" }, ["link_template"], /host written out/],
    ...humanOptionRejections(),
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
    expect(teamsCardProblems(card)).toEqual([]);
    const id = cardFacts(card).find((fact) => fact.title === "Event ID")?.value;
    const title = cardElements(card).find((element) => element.type === "TextBlock");
    expect(title).toBeDefined();
    return [{ id: id ?? null, title: title?.text }];
  },
  carriesId: true,
  goldenExtension: "json",
};
