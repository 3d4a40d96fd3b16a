import { isDeepStrictEqual } from "node:util";
import { isObject } from "../formats/format";

/** One field that differs; `before` or `after` is undefined where the field is absent. */
export interface FieldChange {
  path: string[];
  before: unknown;
  after: unknown;
}

/**
 * The fields that differ between two values, as deep as both are objects (a setting inside
 * `destination`, one header); lists and other values compare whole. Key order never counts.
 */
export function diffFields(before: unknown, after: unknown, path: string[] = []): FieldChange[] {
  if (isObject(before) && isObject(after)) {
    const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return names.flatMap((name) => diffFields(before[name], after[name], [...path, name]));
  }
  return isDeepStrictEqual(before, after) ? [] : [{ path, before, after }];
}
