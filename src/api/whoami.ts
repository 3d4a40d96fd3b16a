import { Hono } from "hono";
import { z } from "zod";
import { ROLES } from "../store/keys";
import type { AppEnv } from "./deps";
import { access, jsonAnswer } from "./openapi/describe";

const whoamiAnswerSchema = z
  .strictObject({
    name: z.string().meta({ description: 'The key\'s name, or "bootstrap" for HERALD_ADMIN_TOKEN' }),
    role: z.enum(ROLES),
  })
  .meta({ id: "Whoami" });

/** Who the request's key is: what a client (the console) shows and which controls it offers. */
export function whoamiRoutes() {
  const app = new Hono<AppEnv>();
  const describe = access(["viewer", "ingest"], {
    tags: ["Keys"],
    summary: "The calling key's name and role",
    responses: { 200: jsonAnswer("The key", whoamiAnswerSchema) },
  });
  app.get("/whoami", describe, (c) => {
    const { name, role } = c.get("principal");
    return c.json<z.infer<typeof whoamiAnswerSchema>>({ name, role });
  });
  return app;
}
