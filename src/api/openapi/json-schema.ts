import { resolver } from "hono-openapi";
import { z } from "zod";
import { DESTINATIONS } from "../../destinations/registry";
import { FORMATS } from "../../formats/registry";
import { destinationInputSchema } from "../../webhooks/destination-input";
import { webhookInputSchema } from "../../webhooks/schema";

/** JSON Schema 2020-12 of what a client may send: defaults optional, a transform by its input. */
const JSON_SCHEMA_OPTIONS = { io: "input", unrepresentable: "any" } as const;

/** The one way Herald turns a zod schema into JSON Schema: GET /formats, GET /destinations, OpenAPI. */
export function inputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, JSON_SCHEMA_OPTIONS);
}

export const formatOptionsRef = (format: string) => `#/components/schemas/FormatOptions_${format}`;
export const destinationRef = (kind: string) => `#/components/schemas/Destination_${kind}`;

/**
 * A webhook's `options` and `destination` are checked against the chosen format's and
 * destination's own schemas: in the document they point at those (components.ts).
 */
function linkedSchemas(): Map<unknown, Record<string, unknown>> {
  return new Map<unknown, Record<string, unknown>>([
    [
      webhookInputSchema.in.shape.options,
      {
        description: "The options of the format named in `format`: FormatOptions_<format>.",
        anyOf: FORMATS.map((format) => ({ $ref: formatOptionsRef(format.name) })),
      },
    ],
    [
      destinationInputSchema,
      {
        description:
          "Where and how to send: `kind` (default: from the URL's scheme and the format) and that kind's settings, Destination_<kind>.",
        anyOf: DESTINATIONS.map((destination) => ({ $ref: destinationRef(destination.kind) })),
      },
    ],
  ]);
}

/**
 * A zod schema as hono-openapi's describeRoute takes it, converted as `inputJsonSchema` converts;
 * a schema with an `id` in its metadata becomes a component of that name. For an `update` (a
 * partial one: a field left out keeps its stored value) the fields' defaults are not shown.
 */
export function documented(schema: z.ZodType, { update = false } = {}) {
  const linked = linkedSchemas();
  type Node = { zodSchema: unknown; jsonSchema: { default?: unknown }; path: (string | number)[] };
  return resolver(schema, {
    options: {
      ...JSON_SCHEMA_OPTIONS,
      override: ({ zodSchema, jsonSchema, path }: Node) => {
        Object.assign(jsonSchema, linked.get(zodSchema));
        if (update && path.length === 2 && path[0] === "properties") delete jsonSchema.default;
      },
    },
  });
}
