import type { Format } from "./format";
import { jsonFormat } from "./json";

/** Every format Herald can render, by wire name. A new format is one module and one line here. */
export const FORMATS = [jsonFormat] as Format<never>[];

export function findFormat(name: string): Format<unknown> | undefined {
  return FORMATS.find((format) => format.name === name) as Format<unknown> | undefined;
}

export const FORMAT_NAMES = FORMATS.map((format) => format.name);
