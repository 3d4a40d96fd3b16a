import type { Issue, JsonSchema } from "../types";
import type { Field } from "./classify";
import { described } from "./controls";
import { isObject } from "./json";

// The small parts of a schema-generated field: its props, its hint, its empty value, a nullable
// object's switch.

export interface FieldContext {
  /** The API's 422 issues, each shown beside the field of its path. */
  issues: Issue[];
  /** Dotted paths of write-only values: password inputs, never filled with a stored value. */
  secrets: ReadonlySet<string>;
  /** The integration is saved: an empty secret keeps the stored one. */
  saved: boolean;
}

export interface FieldProps {
  name: string;
  schema: JsonSchema;
  value: unknown;
  path: string[];
  required: boolean;
  onChange(value: unknown): void;
  context: FieldContext;
}

/** What an emptied field sends: nothing, an empty string where one is required, or null. */
export function emptyValue(field: Field, required: boolean): unknown {
  if (field.nullable) return null;
  return required && field.shape.kind === "string" ? "" : undefined;
}

export function hintOf(field: Field, secret: boolean, saved: boolean): string | undefined {
  const { schema, shape } = field;
  const parts = [schema.description];
  if (shape.kind === "number" && schema.minimum !== undefined && schema.maximum !== undefined) {
    parts.push(`from ${schema.minimum} to ${schema.maximum}`);
  }
  if (shape.kind === "strings") parts.push("one per line");
  if (shape.kind === "map") parts.push("one “name: value” per line");
  if (shape.kind === "json") parts.push("JSON");
  if (secret)
    parts.push(saved ? "write-only: leave empty to keep the stored value" : "write-only: never shown again");
  const hint = parts.filter(Boolean).join("; ");
  return hint || undefined;
}

/**
 * A string long enough to be text of several lines (a PEM certificate or key, up to 64 KiB), not
 * a one-line value (a token, at most 8 KiB).
 */
export const isMultiline = (schema: JsonSchema) => (schema.maxLength ?? 0) > 8192;

export const shownDefault = (schema: JsonSchema) =>
  schema.default === undefined || schema.default === null ? undefined : String(schema.default);

/**
 * The switch of an object that may be null (a rate limit, a grouping, TLS settings): on is an
 * object, {} included (the API fills in its defaults); off is null. Typing into one of the
 * object's fields switches it on too.
 */
export function ObjectSwitch({
  id,
  label,
  hint,
  issues,
  value,
  onChange,
}: Pick<FieldProps, "value" | "onChange"> & { id: string; label: string; hint?: string; issues: Issue[] }) {
  return (
    <>
      <input
        {...described(id, hint, issues)}
        type="checkbox"
        checked={isObject(value)}
        onChange={(event) => onChange(event.currentTarget.checked ? {} : null)}
      />{" "}
      <label for={id}>{label}</label>
    </>
  );
}
