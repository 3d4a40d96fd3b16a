import { describe, expect, it } from "vitest";
import { readJsonAnswer } from "../../src/destinations/http/json-answer";
import { createDiscordStandIn } from "../support/discord";
import { jsonPost as request } from "../support/receiver";

describe("what the Discord stand-in answers, read", () => {
  const post = (body: unknown, url = "/api/webhooks/1234567890123456789/token") =>
    createDiscordStandIn().answer(request(url, body));

  it("refuses an embed over Discord's limits with its form error, which reads as the fields at fault", () => {
    const answer = post({ embeds: [{ description: "x".repeat(5000), fields: [{ name: "a", value: "" }] }] });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body ?? "")).toEqual({
      code: 50035,
      message: "Invalid Form Body",
      errors: {
        embeds: {
          "0": {
            description: {
              _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 4096 or fewer in length." }],
            },
            fields: {
              "0": {
                value: { _errors: [{ code: "BASE_TYPE_REQUIRED", message: "This field is required" }] },
              },
            },
          },
        },
      },
    });
    expect(readJsonAnswer(answer.body ?? "").message).toBe(
      "Invalid Form Body (code 50035; embeds.0.description: Must be 4096 or fewer in length.; embeds.0.fields.0.value: This field is required)",
    );
    const total = post({ embeds: [{ description: "x".repeat(4000) }, { description: "y".repeat(2001) }] });
    expect(readJsonAnswer(total.body ?? "").message).toBe(
      "Invalid Form Body (code 50035; embeds: Embed size exceeds maximum size of 6000)",
    );
    expect(readJsonAnswer(post({}).body ?? "").message).toBe("Cannot send an empty message (code 50006)");
  });

  it("answers 204, or 200 with the message when asked to wait, and 404 for a URL that is not a webhook's", () => {
    expect(post({ content: "hi" })).toEqual({ status: 204 });
    const waited = post({ content: "hi" }, "/api/v10/webhooks/1234567890123456789/token?wait=true");
    expect(waited.status).toBe(200);
    expect(JSON.parse(waited.body ?? "")).toMatchObject({ content: "hi", webhook_id: "1234567890123456789" });
    expect(post({ content: "hi" }, "/api/channels/1").status).toBe(404);
  });

  it("rate-limits when told to, with the body and headers Discord documents", () => {
    const standIn = createDiscordStandIn();
    standIn.rateLimitedFor = 64.57;
    const answer = standIn.answer(request("/api/webhooks/1/t", { content: "hi" }));
    expect(answer.status).toBe(429);
    expect(answer.headers).toMatchObject({
      "retry-after": "65",
      "x-ratelimit-scope": "user",
      "x-ratelimit-reset-after": "64.57",
    });
    expect(readJsonAnswer(answer.body ?? "")).toEqual({
      message: "You are being rate limited.",
      retryAfterMs: 64_570,
    });
    standIn.globalRateLimit = true;
    expect(standIn.answer(request("/api/webhooks/1/t", {})).headers).toMatchObject({
      "x-ratelimit-global": "true",
      "x-ratelimit-scope": "global",
    });
    standIn.rateLimitedFor = null;
    expect(standIn.answer(request("/api/webhooks/1/t", { content: "hi" })).status).toBe(204);
  });
});
