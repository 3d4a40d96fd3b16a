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

/** Credentials sent as the Authorization header. */
export const httpAuthSchema = z.discriminatedUnion("type", [
  z.strictObject({
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
  }),
  z.strictObject({ type: z.literal("bearer"), token: tokenSchema(8192) }),
  /** Splunk HEC's scheme: `Authorization: Splunk <token>`. */
  z.strictObject({ type: z.literal("splunk"), token: tokenSchema(1024) }),
  /** Elasticsearch's and OpenSearch's API keys: `Authorization: ApiKey <base64 id:key>`. */
  z.strictObject({ type: z.literal("api_key"), token: tokenSchema(8192) }),
]);
export type HttpAuth = z.infer<typeof httpAuthSchema>;

/** Where the credentials sit in the settings of a destination with `auth`: secrets. */
export const AUTH_SECRET_PATHS = [
  ["auth", "password"],
  ["auth", "token"],
] as const;

export function authorization(auth: HttpAuth): string {
  switch (auth.type) {
    case "basic":
      // RFC 7617: user-id ":" password, UTF-8, base64.
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64")}`;
    case "bearer":
      return `Bearer ${auth.token}`;
    case "splunk":
      return `Splunk ${auth.token}`;
    case "api_key":
      return `ApiKey ${auth.token}`;
  }
}
