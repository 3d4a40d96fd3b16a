import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { type Db, migrationsApplied } from "../store/db";

/** /healthz: the process answers. /readyz: the database answers and every migration is applied. */
export function healthRoutes(db: Db) {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    try {
      await db.execute(sql`select 1`);
    } catch {
      return c.json({ status: "unavailable", reason: "the database does not answer" }, 503);
    }
    if (!(await migrationsApplied(db))) {
      return c.json(
        { status: "unavailable", reason: "database migrations are not applied (run herald migrate)" },
        503,
      );
    }
    return c.json({ status: "ready" });
  });
  return app;
}
