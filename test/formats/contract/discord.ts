import { expect } from "vitest";
import { createDiscordStandIn, discordPings } from "../../support/discord";
import { type ContractRow, humanOptionRejections, type Json, parseObject, postOf } from "./row";

const CONTENT_TYPE = "application/json";

/** What Discord answers to this body, posted to a webhook URL: 204 when it takes it, its 6,000 in all included. */
export function discordAnswer(body: string) {
  return createDiscordStandIn().answer(
    postOf("/api/webhooks/1234567890123456789/token-abc_DEF", CONTENT_TYPE, body),
  );
}

/** Text as Discord shows it: backslash escapes resolved, the zero-width spaces that break mentions gone. */
export const shown = (text: string | undefined) =>
  (text ?? "").replace(/\\(.)/gs, "$1").replaceAll("\u200b", "");

/**
 * A Discord incoming webhook: the stand-in takes the message (204), and with no mention
 * configured it notifies nobody. The event id is the embed's "Event ID" field.
 */
export const discordRow: ContractRow = {
  options: {},
  contentType: CONTENT_TYPE,
  rejectedOptions: [
    [{ max_fields: 26 }, ["max_fields"], /at most 25 fields/],
    [{ max_fields: 0 }, ["max_fields"], />=1/],
    [{ username: "Discord bot" }, ["username"], /"clyde" or "discord"/],
    [{ username: "x".repeat(81) }, ["username"], /at most 80/],
    [{ avatar_url: "ftp://herald.example/a.png" }, ["avatar_url"], /http\(s\) URL/],
    [{ mention: "@someone" }, ["mention"], /Discord mention syntax/],
    [
      { mention: "<@&123456789012345678> [click](https://evil.example)" },
      ["mention"],
      /Discord mention syntax/,
    ],
    [{ mention_severity: "urgent" }, ["mention_severity"], /"info"\|"low"\|"medium"\|"high"\|"critical"/],
    ...humanOptionRejections(),
  ],
  receiverParses(body) {
    const answer = discordAnswer(body);
    expect(answer.status, answer.body).toBe(204);
    expect(discordPings(body)).toEqual([]);
    const embed: Json = parseObject(body).embeds[0];
    const id = embed.fields?.find((field: Json) => shown(field.name) === "Event ID")?.value;
    return [{ id: id === undefined ? null : shown(id), title: shown(embed.title) }];
  },
  carriesId: true,
  goldenExtension: "json",
};
