import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars, { type HelperDelegate, type HelperOptions } from "handlebars";
import type { Format, RenderTemplate } from "../formats/format";
import { genericHelpers } from "./helpers";
import { findExcessNesting } from "./nesting";

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
  /**
   * Renders started from now on stop with a TemplateError once `limitMs` have passed, at the
   * next iteration of an {{#each}}: the only way a template repeats work.
   */
  limitRenderTime(limitMs: number): void;
}

export const BUILTIN_TEMPLATES_DIR = join(import.meta.dirname, "..", "..", "templates");
const MAX_CACHED_TEMPLATES = 1000;

/**
 * Every helper templates can call: the generic ones and each format's. Helpers are shared by all
 * templates, so two with one name would let one format's silently replace another's: refused.
 */
function uniqueHelpers(formats: Format<never>[]): Record<string, HelperDelegate> {
  const owners = new Map<string, string>([
    ...Object.keys(Handlebars.helpers).map((name) => [name, "Handlebars"] as const),
    ...Object.keys(genericHelpers).map((name) => [name, "Herald's generic helpers"] as const),
  ]);
  const helpers: Record<string, HelperDelegate> = { ...genericHelpers };
  for (const format of formats) {
    for (const [name, helper] of Object.entries(format.helpers ?? {})) {
      const owner = owners.get(name);
      if (owner) throw new Error(`the ${format.name} format's helper "${name}" is taken by ${owner}`);
      owners.set(name, `the ${format.name} format`);
      helpers[name] = helper;
    }
  }
  return helpers;
}

export function createTemplateEngine(formats: Format<never>[], overridesDir?: string): TemplateEngine {
  // Templates are for JSON, CEF, syslog…, never HTML: no escaping by default, each format
  // brings its own escaping helpers. Handlebars' prototype-access protections stay on.
  const handlebars = Handlebars.create();
  // Nothing a template does may reach the process: `log` wrote to stdout, and Handlebars' own
  // warnings (a template touching a prototype property) go to the console through one logger
  // shared by every Handlebars environment.
  handlebars.unregisterHelper("log");
  Handlebars.logger.log = () => {};
  handlebars.registerHelper(uniqueHelpers(formats));

  let timeLimitMs = Number.POSITIVE_INFINITY;
  let deadline = Number.POSITIVE_INFINITY;
  const builtinEach = handlebars.helpers.each as HelperDelegate;
  handlebars.registerHelper("each", function (this: unknown, ...args: unknown[]) {
    const options = args[args.length - 1] as HelperOptions;
    const iteration = options.fn;
    options.fn = (context, data) => {
      if (performance.now() > deadline) {
        throw new TemplateError(`the template took longer than ${timeLimitMs} ms to render`);
      }
      return iteration(context, data);
    };
    return (builtinEach as (...list: unknown[]) => unknown).apply(this, args);
  });

  const cache = new Map<string, RenderTemplate>();

  function compile(source: string): RenderTemplate {
    const cached = cache.get(source);
    if (cached) return cached;
    const nesting = findExcessNesting(source);
    if (nesting) throw new TemplateError(nesting.message, nesting.line, nesting.column);
    try {
      handlebars.parse(source);
    } catch (error) {
      throw toTemplateError(error, source);
    }
    // `log` is compiled as a known helper unless told otherwise; unknown, it is "Missing helper: log".
    const delegate = handlebars.compile(source, {
      noEscape: true,
      strict: false,
      knownHelpers: { log: false },
    });
    const render: RenderTemplate = (context) => {
      deadline = performance.now() + timeLimitMs;
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

  return {
    compile,
    defaultSource,
    limitRenderTime(limitMs) {
      timeLimitMs = limitMs;
    },
  };
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
