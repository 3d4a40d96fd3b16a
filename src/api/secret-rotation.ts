import { randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { refuseManagedChange } from "../config-file/managed";
import { ConflictError, parseOrThrow, ValidationError } from "../errors";
import type { Db } from "../store/db";
import { webhooks } from "../store/schema";
import { getWebhook, type WebhookRow } from "../store/webhooks";
import { signingSecretSchema } from "../webhooks/schema";
import type { ApiDeps, AppEnv } from "./deps";
import { conflict, errors } from "./openapi/components";
import { access, idParameter, jsonAnswer, jsonBody } from "./openapi/describe";
import { findOr404, readJson } from "./request";

const MAX_OVERLAP_S = 30 * 24 * 3600;

const rotationRequestSchema = z
  .strictObject({
    secret: signingSecretSchema.optional().meta({
      description:
        "The new secret, as `secret` of a webhook takes it. Default: a new `whsec_` secret of 32 random bytes",
    }),
    previous_valid_for_s: z.number().int().min(0).max(MAX_OVERLAP_S).default(86_400).meta({
      description:
        "How long the secret replaced still signs beside the new one, in seconds (0: it stops at once; at most 30 days)",
    }),
  })
  .meta({ id: "SecretRotationRequest" });

const rotationAnswerSchema = z
  .strictObject({
    secret: z.string().meta({ description: "The new secret: answered this once, never again" }),
    previous_valid_until: z.iso.datetime().nullable().meta({
      description:
        "Until when the replaced secret also signs; null when it stopped at once or there was none",
    }),
  })
  .meta({ id: "SecretRotation" });

const describeRotation = access([], {
  tags: ["Webhooks"],
  summary: "Rotate a webhook's signing secret",
  description:
    "Sets a new signing secret (the one given, or a new `whsec_` one) and answers it once. Until `previous_valid_until` every request carries two signatures, the new secret's first: `webhook-signature: v1,<new> v1,<old>` and `X-Webhook-Signature: sha256=<new>, sha256=<old>`; after it, the new one's alone. Rotating again during an overlap replaces the previous secret: at most two secrets sign at once. A webhook without a secret gets one, with no overlap.",
  parameters: [idParameter("webhook")],
  requestBody: jsonBody(rotationRequestSchema, {
    required: false,
    examples: {
      generated: {
        summary: "A new secret; the old one signs for a day more",
        value: { previous_valid_for_s: 86_400 },
      },
    },
  }),
  responses: {
    200: jsonAnswer("Rotated", rotationAnswerSchema),
    ...errors(400, 404, 413, 422),
    ...conflict(
      "The webhook is declared in a config file (`managed_by`): change its secret there; or its secret changed while this request was answered.",
    ),
  },
});

/** A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/**
 * Sets the webhook's secret and previous secret if its secret is still `expected`: two rotations
 * at once must not both take the same secret for their previous one.
 */
async function replaceSecret(
  db: Db,
  webhook: WebhookRow,
  values: Pick<WebhookRow, "secret" | "previousSecret" | "previousSecretUntil">,
): Promise<boolean> {
  const sameSecret = webhook.secret === null ? isNull(webhooks.secret) : eq(webhooks.secret, webhook.secret);
  const changed = await db
    .update(webhooks)
    .set({ ...values, updatedAt: new Date() })
    .where(and(eq(webhooks.id, webhook.id), sameSecret))
    .returning({ id: webhooks.id });
  return changed.length > 0;
}

/** POST /webhooks/{id}/rotate-secret: a new signing secret, the old one signing beside it for a while. */
export function secretRotationRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.post("/webhooks/:id/rotate-secret", describeRotation, async (c) => {
    const webhook = await findOr404("webhook", c.req.param("id"), (id) => getWebhook(deps.db, id));
    refuseManagedChange(webhook);
    const body = parseOrThrow(rotationRequestSchema, await readJson(c, { optional: true }));
    if (body.secret !== undefined && body.secret === webhook.secret) {
      throw new ValidationError([
        { path: "secret", message: "is the current secret: a rotation needs a new one" },
      ]);
    }
    const secret = body.secret ?? newSigningSecret();
    const overlaps = webhook.secret !== null && body.previous_valid_for_s > 0;
    const until = overlaps ? new Date(deps.now().getTime() + body.previous_valid_for_s * 1000) : null;
    const rotated = await replaceSecret(deps.db, webhook, {
      secret,
      previousSecret: overlaps ? webhook.secret : null,
      previousSecretUntil: until,
    });
    if (!rotated) throw new ConflictError("the webhook's secret changed meanwhile: read it again and retry");
    return c.json({ secret, previous_valid_until: until?.toISOString() ?? null }, 200);
  });
  return app;
}
