import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import { z } from "zod";
import type { DeliveryEngine } from "../delivery/engine";
import { type Db, migrationsApplied } from "../store/db";
import { jsonAnswer } from "./openapi/describe";

const readinessSchema = z.strictObject({
  status: z.enum(["ready", "unavailable"]),
  reason: z.string().optional().meta({ description: "Why it is unavailable" }),
  engine: z.strictObject({
    claiming: z.boolean(),
    last_claim_age_ms: z.number().int().nullable(),
    last_claim_error: z.string().nullable(),
  }),
});

const describeHealth = describeRoute({
  tags: ["Operations"],
  summary: "Is the process up",
  security: [],
  responses: { 200: jsonAnswer("Up", z.strictObject({ status: z.literal("ok") })) },
});

const describeReadiness = describeRoute({
  tags: ["Operations"],
  summary: "Is it ready for work",
  description: "The database answers, every migration is applied and the delivery engine is claiming work.",
  security: [],
  responses: {
    200: jsonAnswer("Ready", readinessSchema),
    503: jsonAnswer("Not ready, and why", readinessSchema),
  },
});

/**
 * /healthz: the process answers. /readyz: the database answers, every migration is applied and
 * the delivery engine is claiming work; 503 with the reason otherwise.
 */
export function healthRoutes(db: Db, engine: Pick<DeliveryEngine, "status">, now: () => Date) {
  const app = new Hono();
  app.get("/healthz", describeHealth, (c) => c.json({ status: "ok" }));
  app.get("/readyz", describeReadiness, async (c) => {
    const state = engine.status();
    const engineAnswer = {
      claiming: state.claiming,
      last_claim_age_ms: state.lastClaimAt ? now().getTime() - state.lastClaimAt.getTime() : null,
      last_claim_error: state.lastClaimError,
    };
    const unavailable = (reason: string) =>
      c.json({ status: "unavailable", reason, engine: engineAnswer }, 503);
    try {
      await db.execute(sql`select 1`);
    } catch {
      return unavailable("the database does not answer");
    }
    if (!(await migrationsApplied(db))) {
      return unavailable("database migrations are not applied (run herald migrate)");
    }
    if (!state.claiming) return unavailable("the delivery engine is not claiming work (stopped or stopping)");
    if (state.lastClaimError) {
      return unavailable(`the delivery engine cannot claim work: ${state.lastClaimError}`);
    }
    return c.json({ status: "ready", engine: engineAnswer });
  });
  return app;
}
