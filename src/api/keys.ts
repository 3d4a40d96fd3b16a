import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { parseOrThrow } from "../errors";
import { type ApiKeyRow, createApiKey, listApiKeys, ROLES, revokeApiKey } from "../store/keys";
import type { ApiDeps, AppEnv } from "./deps";
import { conflict, errors } from "./openapi/components";
import { access, idParameter, jsonAnswer, jsonBody, LIMIT_PARAMETER } from "./openapi/describe";
import { findOr404, listLimit, readJson } from "./request";

const newKeySchema = z.strictObject({ role: z.enum(ROLES), name: z.string().min(1).max(200) });

/** An API key as the API lists it: never the key itself, only its first characters. */
const keyWireSchema = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    role: z.enum(ROLES),
    prefix: z.string().meta({ description: "The key's first 10 characters, to tell keys apart" }),
    created_at: z.iso.datetime(),
  })
  .meta({ id: "ApiKey" });

const newKeyAnswerSchema = keyWireSchema.extend({
  key: z.string().meta({ description: "The key itself: shown this once, stored only as a SHA-256 hash" }),
});

function keyToWire(row: ApiKeyRow): z.infer<typeof keyWireSchema> {
  return {
    id: row.id,
    name: row.name,
    role: row.role as z.infer<typeof keyWireSchema>["role"],
    prefix: row.prefix,
    created_at: row.createdAt.toISOString(),
  };
}

export function keyRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  const describeList = access([], {
    tags: ["Keys"],
    summary: "List API keys",
    description: "Newest first, without the keys themselves.",
    parameters: [LIMIT_PARAMETER],
    responses: {
      200: jsonAnswer("The keys", z.strictObject({ data: z.array(keyWireSchema) })),
      ...errors(422),
    },
  });
  app.get("/keys", describeList, async (c) =>
    c.json({ data: (await listApiKeys(deps.db, listLimit(c))).map(keyToWire) }),
  );

  const describeCreate = access([], {
    tags: ["Keys"],
    summary: "Create an API key",
    requestBody: jsonBody(newKeySchema, {
      examples: { viewer: { summary: "A read-only key for CI", value: { role: "viewer", name: "ci" } } },
    }),
    responses: {
      201: jsonAnswer("Created: `key` is shown only now", newKeyAnswerSchema),
      ...errors(400, 413, 422),
    },
  });
  app.post("/keys", describeCreate, async (c) => {
    const input = parseOrThrow(newKeySchema, await readJson(c));
    const { key, row } = await createApiKey(deps.db, input.role, input.name);
    return c.json({ ...keyToWire(row), key }, 201);
  });

  const describeRevoke = access([], {
    tags: ["Keys"],
    summary: "Revoke an API key",
    parameters: [idParameter("API key")],
    responses: {
      204: { description: "Revoked" },
      ...errors(404),
      ...conflict(
        "The last admin key, while no HERALD_ADMIN_TOKEN gives another way in: create another admin key first.",
      ),
    },
  });

  /** Revokes a key, except the last admin key while no bootstrap token gives another way in. */
  app.delete("/keys/:id", describeRevoke, async (c) => {
    const allowLastAdmin = deps.config.HERALD_ADMIN_TOKEN !== undefined;
    const result = await findOr404("API key", c.req.param("id"), async (id) => {
      const outcome = await revokeApiKey(deps.db, id, { allowLastAdmin });
      return outcome === "not_found" ? undefined : outcome;
    });
    if (result === "last_admin") {
      throw new HTTPException(409, {
        message: "this is the last admin key: create another admin key first, then revoke this one",
      });
    }
    return c.body(null, 204);
  });

  return app;
}
