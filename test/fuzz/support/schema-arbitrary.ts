import fc from "fast-check";

/** The subset of JSON Schema the OpenAPI document's request bodies use. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, MediaType> } }>>;
  components: { schemas: Record<string, JsonSchema> };
}

interface MediaType {
  schema: JsonSchema;
  examples?: Record<string, { value: unknown }>;
}

/** The JSON request body of `method path` in the document: its schema and its examples' values. */
export function requestBodyOf(document: OpenApiDocument, method: string, path: string) {
  const media = document.paths[path]?.[method]?.requestBody?.content["application/json"];
  if (!media) throw new Error(`the OpenAPI document has no JSON body for ${method} ${path}`);
  return {
    schema: resolve(document, media.schema),
    examples: Object.values(media.examples ?? {}).map((example) => example.value),
  };
}

export function resolve(document: OpenApiDocument, schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  const target = document.components.schemas[name];
  if (!target) throw new Error(`no schema ${name}`);
  return resolve(document, target);
}

/** The property names a body schema declares (every field an issue path may start with). */
export function declaredFields(document: OpenApiDocument, schema: JsonSchema): string[] {
  const resolved = resolve(document, schema);
  const own = Object.keys(resolved.properties ?? {});
  const nested = [...(resolved.anyOf ?? []), ...(resolved.oneOf ?? [])].flatMap((option) =>
    declaredFields(document, option),
  );
  return [...new Set([...own, ...nested])];
}

// Long strings make slow runs, not better ones: lengths are capped here, limits tested apart.
const MAX_GENERATED_LENGTH = 40;
const MAX_GENERATED_ITEMS = 4;

/**
 * Values the schema describes: every required property and some optional ones, lengths and
 * numbers within its bounds, patterns matched. Formats it cannot know (a `format` option that
 * must name a real format) come out as schema-valid strings the handler may still refuse.
 */
export function arbitraryFromSchema(document: OpenApiDocument, schema: JsonSchema): fc.Arbitrary<unknown> {
  const s = resolve(document, schema);
  if ("const" in s) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const options = s.anyOf ?? s.oneOf;
  if (options && !s.properties)
    return fc.oneof(...options.map((option) => arbitraryFromSchema(document, option)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case "string":
      return stringFor(s);
    case "integer":
      return fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 1_000_000 });
    case "number":
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(arbitraryFromSchema(document, s.items ?? {}), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(
          s.maxItems ?? MAX_GENERATED_ITEMS,
          Math.max(s.minItems ?? 0, MAX_GENERATED_ITEMS),
        ),
      });
    case "object": {
      const properties = s.properties ?? {};
      if (Object.keys(properties).length === 0)
        return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties))
        record[name] = arbitraryFromSchema(document, property);
      return fc.record(record, { requiredKeys: s.required ?? [] });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringFor(s: JsonSchema): fc.Arbitrary<string> {
  if (s.format === "date-time")
    return fc
      .date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
      .map((date) => date.toISOString());
  if (s.pattern)
    return fc
      .stringMatching(new RegExp(s.pattern))
      .filter((text) => text.length <= (s.maxLength ?? Infinity));
  const minLength = s.minLength ?? 0;
  return fc.string({
    minLength,
    maxLength: Math.min(s.maxLength ?? MAX_GENERATED_LENGTH, Math.max(minLength, MAX_GENERATED_LENGTH)),
    unit: "grapheme",
  });
}
