import { type Context, Hono } from "hono";
import { z } from "zod";
import { refuseManagedChange } from "../config-file/managed";
import { NotFoundError, parseOrThrow, ValidationError } from "../errors";
import { findFormat } from "../formats/registry";
import { flowStatus } from "../store/flow-status";
import { listDeliveries } from "../store/history";
import { trimLossyQueues } from "../store/lossy";
import { deleteWebhook, getWebhook, insertWebhook, listWebhooks, updateWebhook } from "../store/webhooks";
import { mergeDestinationChanges } from "../webhooks/destination-update";
import { stateOf } from "../webhooks/flow";
import { findPrototypeKey, PROTOTYPE_KEY_MESSAGE } from "../webhooks/prototype-keys";
import {
  inputToRow,
  READ_ONLY_FIELDS,
  rowToInput,
  type WebhookInput,
  webhookInputSchema,
} from "../webhooks/schema";
import { keepWriteOnlyValues, rowToWire, withSecretOptionsMasked } from "../webhooks/wire";
import { webhookWireSchema } from "../webhooks/wire-schema";
import { isAdmin } from "./auth";
import { deliveryToWire, deliveryWireSchema } from "./deliveries";
import type { ApiDeps, AppEnv } from "./deps";
import { eventSchema } from "./events";
import { previewAnswer, previewAnswerSchema } from "./formats";
import { conflict, errors } from "./openapi/components";
import { access, idParameter, jsonAnswer, jsonBody, LIMIT_PARAMETER } from "./openapi/describe";
import { FIXTURE_EVENTS, WEBHOOK_EXAMPLES } from "./openapi/examples";
import { findOr404, listLimit, readJson } from "./request";
import { describeTest, sendTest } from "./webhook-test";

/** The schema the handlers parse a webhook with, named for the OpenAPI document. */
const webhookInput = webhookInputSchema.meta({
  id: "WebhookInput",
  description: "A webhook as an operator writes it: every field but `name` and `url` has a default.",
});

const webhookList = z.strictObject({ data: z.array(webhookWireSchema) });
const webhookAnswer = (description: string) => jsonAnswer(description, webhookWireSchema);
const tags = ["Webhooks"];
const MANAGED_CONFLICT = conflict(
  "The webhook is declared in a config file (`managed_by`): change it there and run herald config apply. Only `is_active` may be switched alone through the API.",
);

/** A webhook body as read, with no "__proto__" key anywhere, and without the fields a GET adds. */
async function readWebhookBody(c: Context): Promise<unknown> {
  const body = await readJson(c);
  const prototypeKey = findPrototypeKey(body);
  if (prototypeKey)
    throw new ValidationError([{ path: prototypeKey.join("."), message: PROTOTYPE_KEY_MESSAGE }]);
  return withoutReadOnlyFields(body);
}

function withoutReadOnlyFields(body: unknown): unknown {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return body;
  const copy: Record<string, unknown> = { ...body };
  for (const field of READ_ONLY_FIELDS) delete copy[field];
  return copy;
}

export function webhookRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  const webhookOr404 = (id: string) => findOr404("webhook", id, (key) => getWebhook(deps.db, key));

  /** Checks the whole definition (format options, template); it is stored as the operator wrote it. */
  async function checked(input: WebhookInput) {
    await deps.renderer.validate(input, deps.now());
    return inputToRow(input);
  }

  const describeList = access(["viewer"], {
    tags,
    summary: "List webhooks",
    description: "Newest first. A viewer sees no secret, and URLs and header values masked.",
    parameters: [LIMIT_PARAMETER],
    responses: { 200: jsonAnswer("The webhooks", webhookList), ...errors(422) },
  });
  app.get("/webhooks", describeList, async (c) => {
    const rows = await listWebhooks(deps.db, listLimit(c));
    return c.json({ data: rows.map((row) => rowToWire(row, { forAdmin: isAdmin(c) })) });
  });

  const describeCreate = access([], {
    tags,
    summary: "Create a webhook",
    description:
      "The whole definition is checked (format options, destination settings, the template against a sample of each subscribed type); fields a GET answers and a client cannot set (`id`, `has_secret`, …) are ignored.",
    requestBody: jsonBody(webhookInput, { examples: WEBHOOK_EXAMPLES }),
    responses: { 201: webhookAnswer("Created"), ...errors(400, 413, 422) },
  });
  app.post("/webhooks", describeCreate, async (c) => {
    const input = parseOrThrow(webhookInput, await readWebhookBody(c));
    const row = await insertWebhook(deps.db, {
      ...(await checked(input)),
      stateChangedBy: c.get("principal").name,
      stateChangedAt: deps.now(),
    });
    return c.json(rowToWire(row, { forAdmin: true }), 201);
  });

  const describeGet = access(["viewer"], {
    tags,
    summary: "Read a webhook",
    parameters: [idParameter("webhook")],
    responses: { 200: webhookAnswer("The webhook"), ...errors(404) },
  });
  app.get("/webhooks/:id", describeGet, async (c) => {
    const row = await webhookOr404(c.req.param("id"));
    const flow_status = await flowStatus(deps.db, row, deps.now());
    return c.json({ ...rowToWire(row, { forAdmin: isAdmin(c) }), flow_status });
  });

  const describeUpdate = access([], {
    tags,
    summary: "Change a webhook",
    description:
      "The fields sent replace the stored ones, the rest stay; a secret left out (as a GET answers) keeps its stored value. The result is checked whole, as for POST /webhooks.",
    parameters: [idParameter("webhook")],
    requestBody: jsonBody(webhookInputSchema.in.partial(), {
      description: "The fields to change",
      update: true,
    }),
    responses: { 200: webhookAnswer("Changed"), ...errors(400, 404, 413, 422), ...MANAGED_CONFLICT },
  });
  /** Partial update: the fields sent replace the stored ones; the result is validated whole. */
  app.put("/webhooks/:id", describeUpdate, async (c) => {
    const existing = await webhookOr404(c.req.param("id"));
    const patch = await readWebhookBody(c);
    if (patch === null || typeof patch !== "object" || Array.isArray(patch)) {
      throw new ValidationError([{ path: "", message: "must be a JSON object of the fields to change" }]);
    }
    refuseManagedChange(existing, patch as Record<string, unknown>);
    const { state: storedState, ...stored } = rowToInput(existing);
    const changes = keepWriteOnlyValues({ ...stored, state: storedState }, patch as Record<string, unknown>);
    const stateSent = "state" in changes || "is_active" in changes;
    const input = parseOrThrow(webhookInput, {
      ...stored,
      // is_active alone says the state: the stored one must not contradict it.
      ...(stateSent ? {} : { state: storedState }),
      ...mergeDestinationChanges(stored, changes, findFormat),
    });
    const reactivated = input.state !== "disabled" && !existing.isActive;
    // The state is written only when sent: the failure threshold may have switched the webhook
    // off since it was read, and an unrelated change must not switch it back on.
    const { isActive, paused, ...columns } = await checked(input);
    const stateChanged = stateSent && input.state !== stateOf(existing);
    const row = await updateWebhook(deps.db, existing.id, {
      ...columns,
      ...(stateChanged
        ? { isActive, paused, stateChangedBy: c.get("principal").name, stateChangedAt: deps.now() }
        : {}),
      ...(reactivated ? { failureCount: 0, disabledReason: null } : {}),
      // A secret set by hand ends a rotation's overlap: only the new one signs (rotate-secret keeps one).
      ...(columns.secret !== existing.secret ? { previousSecret: null, previousSecretUntil: null } : {}),
    });
    if (!row) throw new NotFoundError(`no webhook ${existing.id}`);
    // What a lossy webhook kept while paused is trimmed as it resumes.
    if (stateChanged && input.state === "active") await trimLossyQueues(deps.db, [row]);
    if (stateChanged) deps.engine.wake();
    return c.json(rowToWire(row, { forAdmin: true }));
  });

  const describeDelete = access([], {
    tags,
    summary: "Delete a webhook",
    description: "Its deliveries and their history go with it.",
    parameters: [idParameter("webhook")],
    responses: { 204: { description: "Deleted" }, ...errors(404), ...MANAGED_CONFLICT },
  });
  app.delete("/webhooks/:id", describeDelete, async (c) => {
    refuseManagedChange(await webhookOr404(c.req.param("id")));
    await findOr404("webhook", c.req.param("id"), async (id) =>
      (await deleteWebhook(deps.db, id)) ? id : undefined,
    );
    return c.body(null, 204);
  });

  app.post("/webhooks/:id/test", describeTest, async (c) =>
    sendTest(c, deps, await webhookOr404(c.req.param("id"))),
  );

  const describePreview = access(["viewer"], {
    tags,
    summary: "Preview what a webhook would send",
    description:
      "For the event in the body, or with no body a sample of its first subscribed type; nothing is sent. Secret option values are masked.",
    parameters: [idParameter("webhook")],
    requestBody: jsonBody(eventSchema, {
      required: false,
      examples: {
        fixture: { summary: "A fixture event", value: FIXTURE_EVENTS["pentest-critical-finding"] },
      },
    }),
    responses: { 200: jsonAnswer("What would be sent", previewAnswerSchema), ...errors(400, 404, 413, 422) },
  });
  /** What the webhook would send for the event in the body (or a sample), without sending it. */
  app.post("/webhooks/:id/preview", describePreview, async (c) => {
    const webhook = await webhookOr404(c.req.param("id"));
    const body = await readJson(c, { optional: true });
    const event = body && typeof body === "object" && Object.keys(body).length > 0 ? body : undefined;
    const input = rowToInput(webhook);
    const answer = await previewAnswer(deps, input, event, []);
    const masked = (text: string) => withSecretOptionsMasked(text, input);
    return c.json({ ...answer, body: masked(answer.body), parts: answer.parts.map(masked) });
  });

  const describeDeliveries = access(["viewer"], {
    tags,
    summary: "List a webhook's deliveries",
    description: "Newest first.",
    parameters: [idParameter("webhook"), LIMIT_PARAMETER],
    responses: {
      200: jsonAnswer("The deliveries", z.strictObject({ data: z.array(deliveryWireSchema) })),
      ...errors(404, 422),
    },
  });
  app.get("/webhooks/:id/deliveries", describeDeliveries, async (c) => {
    const webhook = await webhookOr404(c.req.param("id"));
    const limit = listLimit(c);
    return c.json({ data: (await listDeliveries(deps.db, webhook.id, limit)).map(deliveryToWire) });
  });

  return app;
}
