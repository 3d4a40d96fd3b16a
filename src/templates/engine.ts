import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars from "handlebars";
import type { Format, RenderTemplate } from "../formats/format";
import { genericHelpers } from "./helpers";

/** A template that does not compile or does not render, with where in the source it failed. */
export class TemplateError extends Error {
  override name = "TemplateError";
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

export interface TemplateEngine {
  /** Compiles (cached by source) and checks the syntax at once; throws TemplateError. */
  compile(source: string): RenderTemplate;
  /** The template a format uses when a webhook has none: HERALD_TEMPLATES_DIR first, then templates/. */
  defaultSource(formatName: string): string;
}

export const BUILTIN_TEMPLATES_DIR = join(import.meta.dirname, "..", "..", "templates");
const MAX_CACHED_TEMPLATES = 1000;

export function createTemplateEngine(formats: Format<never>[], overridesDir?: string): TemplateEngine {
  // Templates are for JSON, CEF, syslog…, never HTML: no escaping by default, each format
  // brings its own escaping helpers. Handlebars' prototype-access protections stay on.
  const handlebars = Handlebars.create();
  handlebars.registerHelper(genericHelpers);
  for (const format of formats) if (format.helpers) handlebars.registerHelper(format.helpers);

  const cache = new Map<string, RenderTemplate>();

  function compile(source: string): RenderTemplate {
    const cached = cache.get(source);
    if (cached) return cached;
    try {
      handlebars.parse(source);
    } catch (error) {
      throw toTemplateError(error, source);
    }
    const delegate = handlebars.compile(source, { noEscape: true, strict: false });
    const render: RenderTemplate = (context) => {
      try {
        return delegate(context);
      } catch (error) {
        throw toTemplateError(error);
      }
    };
    if (cache.size >= MAX_CACHED_TEMPLATES) cache.delete(cache.keys().next().value as string);
    cache.set(source, render);
    return render;
  }

  const defaults = new Map<string, string>();
  function defaultSource(formatName: string): string {
    let source = defaults.get(formatName);
    if (source === undefined) {
      const override = overridesDir ? join(overridesDir, `${formatName}.hbs`) : undefined;
      const path =
        override && existsSync(override) ? override : join(BUILTIN_TEMPLATES_DIR, `${formatName}.hbs`);
      source = readFileSync(path, "utf8");
      defaults.set(formatName, source);
    }
    return source;
  }

  return { compile, defaultSource };
}

function toTemplateError(error: unknown, source?: string): TemplateError {
  if (error instanceof TemplateError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const located = error as { lineNumber?: number; column?: number };
  if (typeof located.lineNumber === "number") {
    return new TemplateError(message, located.lineNumber, (located.column ?? 0) + 1);
  }
  // The parser's own errors carry no fields, only "Parse error on line N:", an excerpt of the
  // input around the error ("...ast 20 chars" + what follows) and a caret under the error point.
  const [, lineText, excerpt, caret] = /Parse error on line (\d+):\n(.*)\n(-*)\^/.exec(message) ?? [];
  if (!lineText || excerpt === undefined || caret === undefined) return new TemplateError(message);
  const line = Number(lineText);
  const before = excerpt.slice(0, caret.length).replace(/^\.\.\./, "");
  const sourceLine = source?.split("\n")[line - 1] ?? "";
  const at = sourceLine.indexOf(before);
  return new TemplateError(message, line, (at >= 0 ? at + before.length : caret.length) + 1);
}
