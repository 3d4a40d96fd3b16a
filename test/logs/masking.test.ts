import { describe, expect, it } from "vitest";
import { withWebhookSecretsMasked } from "../../src/delivery/attempt-log";
import type { WebhookRow } from "../../src/store/webhooks";

const webhook = {
  url: "https://user:pass-word@hooks.example.com/services/T000/B000/slackTokenValue123?sig=teams-signature-value",
  secret: "signing-secret-value",
  format: "pagerduty",
  options: { routing_key: "R0utingKey0123456789abcdefABCDEF" },
  headers: { "X-Api-Key": "header-key-value", "X-Team": "soc", Accept: "application/json" },
  destination: { kind: "http", auth: { type: "basic", username: "soc", password: "b@sic pass" }, tls: null },
} as unknown as WebhookRow;

describe("an error's text as it is logged", () => {
  it.each([
    [
      "as written",
      "HTTP 400: bad routing key R0utingKey0123456789abcdefABCDEF",
      "HTTP 400: bad routing key ********",
    ],
    ["inside JSON", 'HTTP 401: {"got":"b@sic pass"}', 'HTTP 401: {"got":"********"}'],
    ["URL-encoded", "HTTP 403: pass=b%40sic%20pass", "HTTP 403: pass=********"],
    [
      "as the Authorization header carried it",
      "HTTP 401: Basic c29jOmJAc2ljIHBhc3M=",
      "HTTP 401: Basic ********",
    ],
    ["a custom header's value", "HTTP 403: key header-key-value revoked", "HTTP 403: key ******** revoked"],
    ["a token in the URL's path", "HTTP 404: no hook slackTokenValue123", "HTTP 404: no hook ********"],
    ["the URL's password", "HTTP 401: pass-word expired", "HTTP 401: ******** expired"],
    ["the signing secret", "signing-secret-value", "********"],
  ])("masks a secret %s", (_, text, logged) => {
    expect(withWebhookSecretsMasked(text, webhook)).toBe(logged);
  });

  it("cuts every URL in it to scheme, host and port, and leaves short words alone", () => {
    expect(
      withWebhookSecretsMasked(
        "HTTP 302: redirects are not followed (Location: https://login.example.com/sso?ticket=abc)",
        webhook,
      ),
    ).toBe("HTTP 302: redirects are not followed (Location: https://login.example.com/********)");
    expect(withWebhookSecretsMasked("HTTP 403: team soc may not post", webhook)).toBe(
      "HTTP 403: team soc may not post",
    );
  });
});
