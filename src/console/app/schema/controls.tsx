import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Issue } from "../types";
import { sameJson } from "./json";

/** The id of the control that shows `path`: what labels, hints and error messages point at. */
export function fieldId(path: string[]): string {
  return `field-${path.join("-")}`;
}

/** What a control needs so that its hint and errors are read with it. */
export interface Described {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
}

export function described(id: string, hint: string | undefined, issues: Issue[]): Described {
  const refs = [hint ? `${id}-hint` : "", issues.length > 0 ? `${id}-error` : ""].filter(Boolean);
  return {
    id,
    ...(refs.length > 0 ? { "aria-describedby": refs.join(" ") } : {}),
    ...(issues.length > 0 ? { "aria-invalid": true } : {}),
  };
}

export function FieldErrors({ id, issues }: { id: string; issues: Issue[] }) {
  if (issues.length === 0) return null;
  return (
    <div id={`${id}-error`} class="field-error">
      {issues.map((issue) => (
        <p key={issue.message}>{issue.message}</p>
      ))}
    </div>
  );
}

/** A label, the control, its hint and its errors. */
export function Labelled({
  id,
  label,
  hint,
  issues,
  checkbox = false,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  issues: Issue[];
  checkbox?: boolean;
  children: ComponentChildren;
}) {
  const text = <label for={id}>{label}</label>;
  return (
    <div class={`field${checkbox ? " check" : ""}${issues.length > 0 ? " invalid" : ""}`}>
      {checkbox ? children : text}
      {checkbox ? text : children}
      {hint && (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      )}
      <FieldErrors id={id} issues={issues} />
    </div>
  );
}

/**
 * A textarea for a value written as text (lines, `name: value` pairs, JSON). It keeps the text as
 * typed, half-written lines included, and takes the value's text when the value is changed from
 * outside (another format chosen, a saved answer).
 */
export function TextField<T>({
  value,
  toText,
  fromText,
  onChange,
  control,
}: {
  value: T;
  toText(value: T): string;
  fromText(text: string): T;
  onChange(value: T): void;
  control: Described;
}) {
  const [text, setText] = useState(() => toText(value));
  useEffect(() => {
    if (!sameJson(fromText(text), value)) setText(toText(value));
  }, [value]);
  return (
    <textarea
      {...control}
      rows={Math.min(8, Math.max(2, text.split("\n").length))}
      value={text}
      onInput={(event) => {
        const typed = event.currentTarget.value;
        setText(typed);
        onChange(fromText(typed));
      }}
    />
  );
}

export const lines = {
  toText: (value: unknown) => (Array.isArray(value) ? value.join("\n") : ""),
  fromText: (text: string) =>
    text
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean),
};

export const pairs = {
  toText: (value: unknown) =>
    typeof value === "object" && value !== null
      ? Object.entries(value)
          .map(([name, item]) => `${name}: ${String(item)}`)
          .join("\n")
      : "",
  fromText: (text: string) =>
    Object.fromEntries(
      lines.fromText(text).map((line) => {
        const colon = line.indexOf(":");
        return colon < 0 ? [line, ""] : [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      }),
    ),
};

/** JSON text; text that is not JSON is kept as the value, for the API to refuse beside the field. */
export const json = {
  toText: (value: unknown) =>
    value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value, null, 2),
  fromText: (text: string): unknown => {
    if (text.trim() === "") return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  },
};
