import { z } from "zod";

/** C0 controls, DEL and C1 controls (Unicode's Cc): never part of a credential; undici refuses CR and LF. */
const CONTROL_CHARACTER = /\p{Cc}/u;

/** A token goes into the Authorization header as is, so it must be a header-safe word. */
const tokenSchema = (maxLength: number) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .regex(/^[\x21-\x7e]+$/, {
      message:
        "must be visible ASCII without spaces or control characters: it is sent in the Authorization header as is",
    });

const basic = z.strictObject({
  type: z.literal("basic"),
  username: z
    .string()
    .min(1)
    .max(256)
    .refine(
      (username) => !username.includes(":"),
      'may not contain ":" (basic auth joins user and password with it)',
    )
    .refine((username) => !CONTROL_CHARACTER.test(username), "may not contain control characters"),
  password: z
    .string()
    .max(1024)
    .refine((password) => !CONTROL_CHARACTER.test(password), "may not contain control characters"),
});
const bearer = z.strictObject({ type: z.literal("bearer"), token: tokenSchema(8192) });
/** Splunk HEC's scheme: `Authorization: Splunk <token>`. */
const splunk = z.strictObject({ type: z.literal("splunk"), token: tokenSchema(1024) });
/** Elasticsearch's and OpenSearch's API keys: `Authorization: ApiKey <base64 id:key>`. */
const apiKey = z.strictObject({ type: z.literal("api_key"), token: tokenSchema(8192) });

/** One credential, of any scheme. */
const credentialSchema = z.discriminatedUnion("type", [basic, bearer, splunk, apiKey]);
export type Credential = z.infer<typeof credentialSchema>;

const from = {
  from: z.iso
    .datetime({ offset: true })
    .meta({ description: "From this RFC 3339 time on, this credential is sent instead of the current one" }),
};
/** The credential that takes over at `from` (a rotated token; the scheme may change too). */
const nextSchema = z
  .discriminatedUnion("type", [
    basic.extend(from),
    bearer.extend(from),
    splunk.extend(from),
    apiKey.extend(from),
  ])
  .optional();
const next = { next: nextSchema };

/**
 * Credentials sent as the Authorization header. With `next`, each attempt sends the credential in
 * effect at its time: `next` from its `from` on. Herald never rewrites the settings at the switch.
 */
export const httpAuthSchema = z.discriminatedUnion("type", [
  basic.extend(next),
  bearer.extend(next),
  splunk.extend(next),
  apiKey.extend(next),
]);
export type HttpAuth = z.infer<typeof httpAuthSchema>;

/** Where the credentials sit in the settings of a destination with `auth`: secrets. */
export const AUTH_SECRET_PATHS = [
  ["auth", "password"],
  ["auth", "token"],
  ["auth", "next", "password"],
  ["auth", "next", "token"],
] as const;

export function authorization(credential: Credential): string {
  switch (credential.type) {
    case "basic":
      // RFC 7617: user-id ":" password, UTF-8, base64.
      return `Basic ${Buffer.from(`${credential.username}:${credential.password}`, "utf8").toString("base64")}`;
    case "bearer":
      return `Bearer ${credential.token}`;
    case "splunk":
      return `Splunk ${credential.token}`;
    case "api_key":
      return `ApiKey ${credential.token}`;
  }
}

/** The credential sent at `now`: `next` from its `from` on, before that the current one. */
export function credentialAt(auth: HttpAuth, now: Date): Credential {
  return auth.next && Date.parse(auth.next.from) <= now.getTime() ? auth.next : auth;
}

/** Every Authorization value `auth` may send, the current one's and the next's: what to mask. */
export function authorizationsOf(auth: HttpAuth): string[] {
  return [auth, ...(auth.next ? [auth.next] : [])].map(authorization);
}

/**
 * A destination's settings as one attempt at `now` sends them: `auth` is the credential in effect
 * then, so the sender, which has no clock of its own, never sees `next`.
 */
export function settingsAt(settings: Record<string, unknown>, now: Date): Record<string, unknown> {
  // Stored settings were checked by the destination's schema when they were written.
  const auth = settings.auth as HttpAuth | null | undefined;
  if (!auth?.next) return settings;
  return { ...settings, auth: credentialAt(auth, now) };
}
