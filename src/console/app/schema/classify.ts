import type { JsonSchema } from "../types";

// What kind of form field a JSON Schema node becomes. The schemas come from GET /formats,
// GET /destinations and GET /flow (zod's JSON Schema output): a format, destination or setting
// added on the server gets its fields here without console code. Anything not recognised is
// edited as JSON.

export type Shape =
  | { kind: "string" }
  | { kind: "number"; integer: boolean }
  | { kind: "boolean" }
  | { kind: "enum"; values: string[] }
  /** An array of strings: one per line. */
  | { kind: "strings" }
  /** An object of string values with names of the user's choosing: `name: value` lines. */
  | { kind: "map" }
  | { kind: "object"; properties: [string, JsonSchema][] }
  /** Objects told apart by a constant property (`auth`: {type: "basic", …} or {type: "bearer", …}). */
  | { kind: "variants"; tag: string; variants: Map<string, JsonSchema> }
  | { kind: "fixed" }
  | { kind: "json" };

export interface Field {
  shape: Shape;
  /** The schema that decided the shape, with the title, description and default of the node. */
  schema: JsonSchema;
  /** null is a value: leaving the field empty sends null. */
  nullable: boolean;
}

function typesOf(schema: JsonSchema): string[] {
  return schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** The property every branch has as a distinct string constant, if there is one. */
function tagOf(branches: JsonSchema[]): string | undefined {
  const first = branches[0]?.properties ?? {};
  return Object.keys(first).find((name) => {
    const tags = branches.map((branch) => branch.properties?.[name]?.const);
    return tags.every((tag) => typeof tag === "string") && new Set(tags).size === branches.length;
  });
}

function shapeOf(schema: JsonSchema, types: string[]): Shape {
  const type = types[0];
  if (schema.const !== undefined) return { kind: "fixed" };
  if (schema.enum?.every((value) => typeof value === "string")) {
    return { kind: "enum", values: schema.enum as string[] };
  }
  if (types.length !== 1) return { kind: "json" };
  if (type === "string") return { kind: "string" };
  if (type === "integer" || type === "number") return { kind: "number", integer: type === "integer" };
  if (type === "boolean") return { kind: "boolean" };
  if (type === "array")
    return typesOf(schema.items ?? {}).join() === "string" ? { kind: "strings" } : { kind: "json" };
  if (type !== "object") return { kind: "json" };
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length > 0) return { kind: "object", properties };
  const values = schema.additionalProperties;
  return typeof values === "object" && typesOf(values).join() === "string"
    ? { kind: "map" }
    : { kind: "json" };
}

/** The field a schema node becomes. */
export function classify(schema: JsonSchema): Field {
  const branches = schema.anyOf ?? schema.oneOf;
  if (!branches) {
    const types = typesOf(schema);
    const nullable = types.includes("null");
    return {
      shape: shapeOf(
        schema,
        types.filter((type) => type !== "null"),
      ),
      schema,
      nullable,
    };
  }
  const nullable = branches.some((branch) => typesOf(branch).join() === "null");
  const rest = branches.filter((branch) => typesOf(branch).join() !== "null");
  // What the node says of itself outweighs what its branch says.
  const outer: JsonSchema = Object.fromEntries(
    (["title", "description", "default"] as const)
      .filter((name) => name in schema)
      .map((name) => [name, schema[name]]),
  );
  const tag = rest.length > 1 && rest.every((branch) => typesOf(branch).join() === "object") && tagOf(rest);
  if (tag) {
    const variants = new Map(rest.map((branch) => [branch.properties?.[tag]?.const as string, branch]));
    return { shape: { kind: "variants", tag, variants }, schema: { ...schema, ...outer }, nullable };
  }
  // The first branch a field can show (syslog's facility: a name, or its number).
  for (const branch of rest) {
    const field = classify(branch);
    if (field.shape.kind !== "json") {
      return { ...field, schema: { ...field.schema, ...outer }, nullable: nullable || field.nullable };
    }
  }
  return { shape: { kind: "json" }, schema, nullable };
}

const ACRONYMS = new Set(["ca", "tls", "url", "uri", "id", "ip", "hec", "rfc", "api", "msgid", "procid"]);

/** "max_fields" → "Max fields", "tls" → "TLS": the label of a property that has no title. */
export function labelOf(name: string, schema: JsonSchema): string {
  if (schema.title) return schema.title;
  const words = name.split("_").map((word) => (ACRONYMS.has(word) ? word.toUpperCase() : word));
  const label = words.join(" ");
  return label.charAt(0).toUpperCase() + label.slice(1);
}
