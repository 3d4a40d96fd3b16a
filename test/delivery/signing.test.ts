import { describe, expect, it } from "vitest";
import { isSecretField } from "../../src/config-file/secret-fields";
import { signatureHeaders, signingSecrets } from "../../src/delivery/signing";
import { credentialAt, type HttpAuth, settingsAt } from "../../src/destinations/http/auth";

const at = (iso: string) => new Date(iso);

describe("the secrets that sign a request", () => {
  const rotated = {
    secret: "new-secret-0123",
    previousSecret: "old-secret-0123",
    previousSecretUntil: at("2026-11-27T12:00:00Z"),
  };

  it("are the new and the old one until the overlap's end, then the new one alone", () => {
    expect(signingSecrets(rotated, at("2026-11-27T11:59:59.999Z"))).toEqual([
      "new-secret-0123",
      "old-secret-0123",
    ]);
    expect(signingSecrets(rotated, at("2026-11-27T12:00:00Z"))).toEqual(["new-secret-0123"]);
  });

  it("are none without a secret, whatever a previous one says", () => {
    expect(signingSecrets({ ...rotated, secret: null }, at("2026-11-27T11:00:00Z"))).toEqual([]);
  });

  it("sign in the order given, each header in its own list form", () => {
    const headers = signatureHeaders(["a-secret-0123", "b-secret-0123"], "msg_1", 1_700_000_000, "{}");
    const alone = signatureHeaders(["a-secret-0123"], "msg_1", 1_700_000_000, "{}");
    const other = signatureHeaders(["b-secret-0123"], "msg_1", 1_700_000_000, "{}");
    expect(headers["x-webhook-signature"]).toBe(
      `${alone["x-webhook-signature"]}, ${other["x-webhook-signature"]}`,
    );
    expect(headers["webhook-signature"]).toBe(`${alone["webhook-signature"]} ${other["webhook-signature"]}`);
  });
});

describe("an auth credential with a next one", () => {
  const auth: HttpAuth = {
    type: "bearer",
    token: "old-token",
    next: { type: "splunk", token: "new-token", from: "2026-11-27T12:00:00+01:00" },
  };

  it("is the current one before next's time and the next one from it on, offsets counted", () => {
    expect(credentialAt(auth, at("2026-11-27T10:59:59Z"))).toMatchObject({
      type: "bearer",
      token: "old-token",
    });
    expect(credentialAt(auth, at("2026-11-27T11:00:00Z"))).toMatchObject({
      type: "splunk",
      token: "new-token",
    });
  });

  it("reaches the sender as the one credential in effect, other settings untouched", () => {
    const settings = { auth, tls: null };
    expect(settingsAt(settings, at("2026-11-27T11:00:00Z"))).toEqual({ auth: auth.next, tls: null });
    expect(settingsAt({ tls: null }, at("2026-11-27T11:00:00Z"))).toEqual({ tls: null });
  });
});

describe("a next credential's secret", () => {
  it("is a secret field for config export and plans, its time is not", () => {
    const at = (...path: string[]) => isSecretField(["destination", "auth", "next", ...path], "json");
    expect([at("token"), at("password"), at("from"), at("type")]).toEqual([true, true, false, false]);
  });
});
