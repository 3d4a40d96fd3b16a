import { z } from "zod";
import { DESTINATIONS } from "../../destinations/registry";
import { FORMATS } from "../../formats/registry";
import { documented, inputJsonSchema } from "./json-schema";

/** Every error answer: a code, a message naming the field and the reason, and for 422 each issue. */
export const errorAnswerSchema = z
  .strictObject({
    error: z.string().meta({
      description:
        "bad_request, unauthorized, forbidden, not_found, conflict, payload_too_large, unsupported_media_type, validation_failed, too_many_requests, unavailable or internal_error",
    }),
    message: z.string(),
    issues: z
      .array(
        z.strictObject({
          path: z.string().meta({ description: 'The field, dotted: "options.device_vendor", "0.time"' }),
          message: z.string(),
          line: z.number().int().optional(),
          column: z.number().int().optional(),
        }),
      )
      .optional()
      .meta({ description: "422 only: every rule the input breaks" }),
    retry_after: z
      .number()
      .int()
      .optional()
      .meta({ description: "429 and 503: seconds to wait, as the Retry-After header says" }),
  })
  .meta({ id: "Error" });

/** The error answers the operations share, by status: name in components.responses and meaning. */
const ERROR_ANSWERS = {
  400: ["BadRequest", "The body is missing or is not JSON."],
  401: ["Unauthorized", "No `Authorization: Bearer <key>` header, or a key Herald does not know."],
  403: ["Forbidden", "The key's role may not do this."],
  404: ["NotFound", "No such resource (an id that is not a UUID is not found either)."],
  413: ["PayloadTooLarge", "The body is larger than HERALD_MAX_BODY_BYTES."],
  415: ["UnsupportedMediaType", "The Content-Type is not one this operation takes."],
  422: ["ValidationFailed", "Input that breaks a rule: `issues` names each field (`path`) and why."],
  429: [
    "TooManyRequests",
    "Too many failed authentications from this client address: `Retry-After` says when to try again, with any key.",
  ],
  503: [
    "Unavailable",
    "The database is unreachable, or did not answer in time: try again after `Retry-After` (an event Herald already has is acknowledged, not sent twice).",
  ],
} as const;
type ErrorStatus = keyof typeof ERROR_ANSWERS;

const errorContent = () => ({ "application/json": { schema: documented(errorAnswerSchema) } });

/** References to the shared error answers for `statuses`, for an operation's `responses`. */
export function errors(...statuses: ErrorStatus[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, { $ref: `#/components/responses/${ERROR_ANSWERS[status][0]}` }]),
  );
}

/** A 409 answer, with what the conflict is for this operation. */
export function conflict(description: string) {
  return { 409: { description, content: errorContent() } };
}

export const SECURITY_SCHEME = "apiKey";

/**
 * What every document holds besides its operations: the error answers, the API key scheme, and
 * each format's options and each destination's settings as GET /formats and GET /destinations
 * give them, for the webhook schema to point at.
 */
export function sharedComponents() {
  const withoutDialect = (schema: Record<string, unknown>) => {
    const { $schema: _, ...rest } = schema;
    return rest;
  };
  const formatOptions = FORMATS.map((format) => [
    `FormatOptions_${format.name}`,
    {
      title: `${format.name} options`,
      description: format.description,
      ...withoutDialect(inputJsonSchema(format.optionsSchema)),
    },
  ]);
  const destinations = DESTINATIONS.map((destination) => {
    const settings = withoutDialect(inputJsonSchema(destination.settingsSchema));
    const kind = { type: "string", const: destination.kind };
    return [
      `Destination_${destination.kind}`,
      {
        title: `${destination.kind} destination`,
        description: destination.description,
        ...settings,
        properties: { kind, ...(settings.properties as object) },
      },
    ];
  });
  return {
    securitySchemes: {
      [SECURITY_SCHEME]: {
        type: "http" as const,
        scheme: "bearer",
        description:
          "An API key (`hk_…`, see POST /api/v1/keys) or HERALD_ADMIN_TOKEN, as `Authorization: Bearer <key>`.",
      },
    },
    schemas: Object.fromEntries([...formatOptions, ...destinations]),
    responses: Object.fromEntries(
      Object.values(ERROR_ANSWERS).map(([name, description]) => [
        name,
        { description, content: errorContent() },
      ]),
    ),
  };
}
