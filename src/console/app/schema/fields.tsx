import type { JsonObject, JsonSchema } from "../types";
import { classify, labelOf } from "./classify";
import { described, FieldErrors, fieldId, json, Labelled, lines, pairs, TextField } from "./controls";
import {
  emptyValue,
  type FieldContext,
  type FieldProps,
  hintOf,
  isMultiline,
  ObjectSwitch,
  shownDefault,
} from "./field-parts";
import { issuesFor } from "./issues";
import { isObject, withValue } from "./json";

/** The form fields of an object's properties. */
export function ObjectFields({
  properties,
  required = [],
  value,
  path,
  onChange,
  context,
}: {
  properties: [string, JsonSchema][];
  required?: string[];
  value: unknown;
  path: string[];
  onChange(value: JsonObject): void;
  context: FieldContext;
}) {
  const object = isObject(value) ? value : {};
  return (
    <>
      {properties.map(([name, schema]) => (
        <SchemaField
          key={name}
          name={name}
          schema={schema}
          value={object[name]}
          path={[...path, name]}
          required={required.includes(name)}
          onChange={(next) => onChange(withValue(object, name, next))}
          context={context}
        />
      ))}
    </>
  );
}

/** One property as a form field, chosen by its schema. */
export function SchemaField({ name, schema, value, path, required, onChange, context }: FieldProps) {
  const field = classify(schema);
  const { shape } = field;
  const id = fieldId(path);
  const dotted = path.join(".");
  const label = labelOf(name, field.schema);
  const secret = context.secrets.has(dotted);
  const hint = hintOf(field, secret, context.saved);
  const issues = issuesFor(context.issues, {
    path: dotted,
    group: shape.kind === "object" || shape.kind === "variants",
  });
  const control = described(id, hint, issues);
  // An emptied secret is left out: the API keeps the stored one.
  const empty = secret ? undefined : emptyValue(field, required);
  const fallback = shownDefault(field.schema);

  switch (shape.kind) {
    case "fixed":
      return null;
    case "object":
      return (
        <fieldset aria-describedby={field.nullable || !hint ? undefined : `${id}-hint`}>
          <legend>
            {field.nullable ? (
              <ObjectSwitch
                id={id}
                label={label}
                hint={hint}
                issues={issues}
                value={value}
                onChange={onChange}
              />
            ) : (
              label
            )}
          </legend>
          {hint && (
            <p id={`${id}-hint`} class="hint">
              {hint}
            </p>
          )}
          <FieldErrors id={id} issues={issues} />
          <ObjectFields
            properties={shape.properties}
            required={field.schema.required}
            value={value}
            path={path}
            // A nullable object stays what its switch says, {} included (a group by nothing is one).
            onChange={(next) =>
              onChange(field.nullable || Object.keys(next).length > 0 ? next : emptyValue(field, false))
            }
            context={context}
          />
        </fieldset>
      );
    case "variants": {
      const object = isObject(value) ? value : undefined;
      const chosen = object ? String(object[shape.tag]) : "";
      const variant = shape.variants.get(chosen);
      const tagId = fieldId([...path, shape.tag]);
      const tagIssues = issuesFor(context.issues, { path: `${dotted}.${shape.tag}`, group: false });
      return (
        <fieldset>
          <legend>{label}</legend>
          <FieldErrors id={id} issues={issues} />
          <Labelled id={tagId} label={labelOf(shape.tag, {})} issues={tagIssues}>
            <select
              {...described(tagId, undefined, tagIssues)}
              value={chosen}
              onChange={(event) => {
                const tag = event.currentTarget.value;
                onChange(tag ? { [shape.tag]: tag } : emptyValue(field, false));
              }}
            >
              <option value="">None</option>
              {[...shape.variants.keys()].map((tag) => (
                <option key={tag} value={tag}>
                  {tag}
                </option>
              ))}
            </select>
          </Labelled>
          {variant && (
            <ObjectFields
              properties={Object.entries(variant.properties ?? {}).filter(([each]) => each !== shape.tag)}
              required={variant.required}
              value={object}
              path={path}
              onChange={(next) => onChange({ ...next, [shape.tag]: chosen })}
              context={context}
            />
          )}
        </fieldset>
      );
    }
    case "boolean":
      return (
        <Labelled id={id} label={label} hint={hint} issues={issues} checkbox>
          <input
            {...control}
            type="checkbox"
            checked={typeof value === "boolean" ? value : field.schema.default === true}
            onChange={(event) => onChange(event.currentTarget.checked)}
          />
        </Labelled>
      );
    case "enum": {
      const values =
        typeof value === "string" && !shape.values.includes(value) ? [...shape.values, value] : shape.values;
      return (
        <Labelled id={id} label={label} hint={hint} issues={issues}>
          <select
            {...control}
            value={value === undefined || value === null ? "" : String(value)}
            onChange={(event) => onChange(event.currentTarget.value || empty)}
          >
            {!required && <option value="">{fallback ? `Default (${fallback})` : "Not set"}</option>}
            {values.map((each) => (
              <option key={each} value={each}>
                {each}
              </option>
            ))}
          </select>
        </Labelled>
      );
    }
    case "number":
      return (
        <Labelled id={id} label={label} hint={hint} issues={issues}>
          <input
            {...control}
            type="number"
            step={shape.integer ? 1 : "any"}
            min={field.schema.minimum}
            max={field.schema.maximum}
            placeholder={fallback}
            value={typeof value === "number" ? value : ""}
            onInput={(event) => {
              const text = event.currentTarget.value;
              onChange(text === "" ? empty : Number(text));
            }}
          />
        </Labelled>
      );
    case "string": {
      const typed = typeof value === "string" ? value : "";
      const changed = (text: string) => onChange(text === "" ? empty : text);
      // None is ever filled with a stored secret: the API sends none, and the form starts empty.
      let input = (
        <input
          {...control}
          type="text"
          autocomplete="off"
          placeholder={fallback}
          value={typed}
          onInput={(event) => changed(event.currentTarget.value)}
        />
      );
      if (isMultiline(field.schema)) {
        // PEM certificates and keys: lines that a password input would lose.
        input = (
          <TextField value={typed} toText={String} fromText={String} onChange={changed} control={control} />
        );
      } else if (secret) {
        input = (
          <input
            {...control}
            type="password"
            autocomplete="new-password"
            value={typed}
            onInput={(event) => changed(event.currentTarget.value)}
          />
        );
      }
      return (
        <Labelled id={id} label={label} hint={hint} issues={issues}>
          {input}
        </Labelled>
      );
    }
    default: {
      const text = shape.kind === "strings" ? lines : shape.kind === "map" ? pairs : json;
      return (
        <Labelled id={id} label={label} hint={hint} issues={issues}>
          <TextField<unknown>
            value={value}
            toText={text.toText}
            fromText={text.fromText}
            onChange={onChange}
            control={control}
          />
        </Labelled>
      );
    }
  }
}
