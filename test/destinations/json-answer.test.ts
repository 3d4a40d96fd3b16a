import { describe, expect, it } from "vitest";
import { readJsonAnswer } from "../../src/destinations/http/json-answer";

const NOTHING = { message: null, retryAfterMs: null };

describe("readJsonAnswer", () => {
  it("joins PagerDuty's message and errors", () => {
    const body = JSON.stringify({
      status: "invalid event",
      message: "Event object is invalid",
      errors: [
        "Length of 'routing_key' is incorrect (should be 32 characters)",
        "'payload.source' is missing or blank",
      ],
    });
    expect(readJsonAnswer(body)).toEqual({
      message:
        "Event object is invalid (Length of 'routing_key' is incorrect (should be 32 characters); 'payload.source' is missing or blank)",
      retryAfterMs: null,
    });
  });

  it("gives Discord's message, code and the field at fault from its nested form errors", () => {
    const body = JSON.stringify({
      code: 50035,
      errors: {
        embeds: {
          "0": {
            description: {
              _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 4096 or fewer in length." }],
            },
          },
          _errors: [{ code: "MAX_EMBED_SIZE_EXCEEDED", message: "Embed size exceeds maximum size of 6000" }],
        },
      },
      message: "Invalid Form Body",
    });
    expect(readJsonAnswer(body).message).toBe(
      "Invalid Form Body (code 50035; embeds: Embed size exceeds maximum size of 6000; embeds.0.description: Must be 4096 or fewer in length.)",
    );
  });

  it("reads Discord's rate-limit answer: retry_after seconds as milliseconds, rounded up", () => {
    const body = '{"message": "You are being rate limited.", "retry_after": 64.57, "global": false}';
    expect(readJsonAnswer(body)).toEqual({ message: "You are being rate limited.", retryAfterMs: 64_570 });
    expect(readJsonAnswer('{"retry_after": "1.0001"}')).toEqual({ message: null, retryAfterMs: 1001 });
    expect(readJsonAnswer('{"retry_after": 0}').retryAfterMs).toBe(0);
  });

  it.each([
    ['{"retry_after": -5}', "negative"],
    ['{"retry_after": "soon"}', "not a number"],
    ['{"retry_after": ""}', "empty"],
    ['{"retry_after": null}', "null"],
    ['{"retry_after": [1]}', "an array"],
    ['{"retry_after": 1e400}', "infinite"],
  ])("ignores a retry_after that is %s (%s)", (body) => {
    expect(readJsonAnswer(body).retryAfterMs).toBeNull();
  });

  it.each([
    ['{"error": "invalid_token"}', "invalid_token"],
    ['{"error": {"message": "Quota exceeded", "code": 429}}', "Quota exceeded"],
    ['{"error": "invalid_grant", "error_description": "Token expired"}', "invalid_grant (Token expired)"],
    ['{"errors": [{"message": "Bad field"}, "Other problem", 42]}', "Bad field (Other problem)"],
    ['{"errors": {"severity": ["can\'t be blank"]}}', "severity: can't be blank"],
    ['{"title": "Not Found", "detail": "No such hook", "status": 404}', "Not Found (No such hook)"],
    ['{"message": "  "}', null],
    ['{"status": "ok"}', null],
  ])("reads the common shape %s", (body, message) => {
    expect(readJsonAnswer(body).message).toBe(message);
  });

  it.each([
    ["Slack's plain text", "invalid_payload"],
    ["an HTML error page", "<html><body>502 Bad Gateway</body></html>"],
    ["empty", ""],
    ["malformed JSON", '{"message": "cut off'],
    ["a JSON array", '[{"message": "x"}]'],
    ["a JSON string", '"rate limited"'],
    ["a huge body", JSON.stringify({ message: "x".repeat(100_000) })],
  ])("gives nulls for %s", (_, body) => {
    expect(readJsonAnswer(body)).toEqual(NOTHING);
  });

  it("survives deeply nested JSON without reading it all", () => {
    const deep = `{"message":"Deep","errors":${'{"a":'.repeat(5000)}{"_errors":[{"message":"bottom"}]}${"}".repeat(5000)}}`;
    expect(readJsonAnswer(deep)).toEqual({ message: "Deep", retryAfterMs: null });
  });

  it("bounds the message to 300 characters on one line, whatever the receiver sent", () => {
    const body = JSON.stringify({ message: `line one\nline two\u0000\u001b[31m${"y".repeat(1000)}` });
    const { message } = readJsonAnswer(body);
    expect(Array.from(message ?? "")).toHaveLength(300);
    expect(message).toMatch(/^line one line two \[31my+…$/);
  });

  it("keeps at most five details", () => {
    const errors = Array.from({ length: 50 }, (_, i) => `problem ${i}`);
    expect(readJsonAnswer(JSON.stringify({ message: "Invalid", errors })).message).toBe(
      "Invalid (problem 0; problem 1; problem 2; problem 3; problem 4)",
    );
  });
});
