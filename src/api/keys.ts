import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { parseOrThrow } from "../errors";
import { type ApiKeyRow, createApiKey, listApiKeys, ROLES, revokeApiKey } from "../store/keys";
import { allow } from "./auth";
import type { ApiDeps, AppEnv } from "./deps";
import { findOr404, listLimit, readJson } from "./request";

const newKeySchema = z.strictObject({ role: z.enum(ROLES), name: z.string().min(1).max(200) });

function keyToWire(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    created_at: row.createdAt.toISOString(),
  };
}

export function keyRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.use("/keys", allow());
  app.use("/keys/*", allow());

  app.get("/keys", async (c) => c.json({ data: (await listApiKeys(deps.db, listLimit(c))).map(keyToWire) }));

  app.post("/keys", async (c) => {
    const input = parseOrThrow(newKeySchema, await readJson(c));
    const { key, row } = await createApiKey(deps.db, input.role, input.name);
    return c.json({ ...keyToWire(row), key }, 201);
  });

  /** Revokes a key, except the last admin key while no bootstrap token gives another way in. */
  app.delete("/keys/:id", async (c) => {
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
