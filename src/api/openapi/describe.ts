import type { MiddlewareHandler } from "hono";
import { type DescribeRouteOptions, uniqueSymbol } from "hono-openapi";
import type { z } from "zod";
import type { Role } from "../../store/keys";
import { allow } from "../auth";
import type { AppEnv } from "../deps";
import { errors, SECURITY_SCHEME } from "./components";
import { documented } from "./json-schema";

/**
 * Who may call an operation, checked and documented from one list: admin may call every
 * operation, `roles` are the others that may. This is `allow(...roles)` carrying the operation's
 * OpenAPI description (summary, body, answers), which hono-openapi finds in `app.routes`.
 */
export function access(
  roles: Exclude<Role, "admin">[],
  spec: DescribeRouteOptions,
): MiddlewareHandler<AppEnv> {
  const allowed = ["admin", ...roles];
  const operation = {
    ...spec,
    description: [spec.description, `Roles: ${allowed.join(", ")}.`].filter(Boolean).join("\n\n"),
    "x-herald-roles": allowed,
    security: [{ [SECURITY_SCHEME]: [] }],
    responses: { ...spec.responses, ...errors(401, 403, 429) },
  };
  return Object.assign(allow(...roles), { [uniqueSymbol]: { spec: operation } });
}

type Examples = Record<string, { summary?: string; value: unknown }>;

/** A JSON answer described by the zod schema it is built to. */
export function jsonAnswer(description: string, schema: z.ZodType, examples?: Examples) {
  return { description, content: { "application/json": { schema: documented(schema), examples } } };
}

/** A JSON request body described by the zod schema the handler parses it with (`update`: see `documented`). */
export function jsonBody(
  schema: z.ZodType,
  {
    description,
    required = true,
    examples,
    update = false,
    mediaTypes = ["application/json"],
  }: {
    description?: string;
    required?: boolean;
    examples?: Examples;
    update?: boolean;
    mediaTypes?: string[];
  },
) {
  const content = Object.fromEntries(
    mediaTypes.map((type) => [type, { schema: documented(schema, { update }), examples }]),
  );
  return { description, required, content };
}

/** The `{id}` of a path, a UUID (anything else is simply not found). */
export function idParameter(what: string) {
  return {
    in: "path" as const,
    name: "id",
    required: true,
    description: `The ${what}'s id`,
    schema: { type: "string" as const, format: "uuid" },
  };
}

/** `limit`, as every list takes it (src/api/request.ts listLimit). */
export const LIMIT_PARAMETER = {
  in: "query" as const,
  name: "limit",
  description: "How many to answer with (422 outside 1 to 1,000)",
  schema: { type: "integer" as const, minimum: 1, maximum: 1000, default: 100 },
};
