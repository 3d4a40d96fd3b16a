import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars, { type HelperDelegate } from "handlebars";
import type { Format, RenderTemplate, TemplateContext, TemplateJson } from "../formats/format";
import { compileOnce, isKnown, knownHelpers } from "./compile";
import { eachHelper } from "./each";
import { genericHelpers, jsonOutputOf } from "./helpers";
import { GUARD_SCALAR, GUARD_STRING, type JsonProof, proveJson } from "./json-proof";
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

/**
 * A render stopped at the time limit. How long a render takes depends on how busy the machine is
 * as well as on the template and the event, so a delivery whose render ran out of time is tried
 * again (src/delivery/attempt.ts); other template errors recur every time.
 */
export class RenderTimeoutError extends TemplateError {
  override name = "RenderTimeoutError";
  constructor(readonly limitMs: number) {
    super(`the template took longer than ${limitMs} ms to render`);
  }
}

export interface TemplateEngine {
  /** Compiles (cached by source) and checks the syntax at once; throws TemplateError. */
  compile(source: string): RenderTemplate;
  /** The template a format uses when a webhook has none: HERALD_TEMPLATES_DIR first, then templates/. */
  defaultSource(formatName: string): string;
  /**
   * Renders started from now on stop with a TemplateError once `limitMs` have passed, within the
   * next four iterations of an {{#each}}: the only way a template repeats work.
   */
  limitRenderTime(limitMs: number): void;
}

export const BUILTIN_TEMPLATES_DIR = join(import.meta.dirname, "..", "..", "templates");
const MAX_CACHED_TEMPLATES = 1000;
/**
 * Larger templates are not proven (json-proof.ts): their output is parsed as before, and the
 * proof's cost (about 60 ms at this size; the default templates are at most 7 KB) is not paid.
 */
const MAX_PROVEN_SOURCE = 16 * 1024;

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

/** What a JSON insertion's guard lets through unmarked: text that stays inside a JSON string as it is. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const STRING_BREAKING = /["\\\u0000-\u001f]/;
/** What a guard lets through unmarked where a value stands: a number as JSON.stringify writes it. */
const SCALAR = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$|^(?:true|false|null)$/;

function isStringContent(value: unknown): boolean {
  if (value === undefined || value === null || typeof value === "number" || typeof value === "boolean")
    return true;
  return typeof value === "string" && !STRING_BREAKING.test(value) && value.isWellFormed();
}

function isScalar(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value === "boolean") return true;
  if (typeof value !== "string" || !SCALAR.test(value)) return false;
  return /^[tfn]/.test(value) || JSON.stringify(Number(value)) === value;
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
  const helpers = uniqueHelpers(formats);
  handlebars.registerHelper(helpers);

  let timeLimitMs = Number.POSITIVE_INFINITY;
  let deadline = Number.POSITIVE_INFINITY;
  /** Set during a render when a JSON guard saw a value it cannot vouch for (json-proof.ts). */
  let unchecked = false;
  let iterations = 0;
  handlebars.registerHelper(
    "each",
    eachHelper(handlebars, {
      // The clock is read every fourth iteration: a render overruns by three at most.
      beforeIteration() {
        if ((++iterations & 3) === 0 && performance.now() > deadline) {
          throw new RenderTimeoutError(timeLimitMs);
        }
      },
      // The JSON proof counts on @first, @last and {{else}} as a list without holes gives them.
      unusualPositions() {
        unchecked = true;
      },
    }),
  );

  const registered = Object.keys(handlebars.helpers);
  const jsonGuards: Record<string, HelperDelegate> = {
    [GUARD_STRING]: (value: unknown) => {
      if (!isStringContent(value)) unchecked = true;
      return value;
    },
    [GUARD_SCALAR]: (value: unknown) => {
      if (!isScalar(value)) unchecked = true;
      return value;
    },
  };
  const byOutput = (output: string) =>
    new Set(Object.keys(helpers).filter((name) => jsonOutputOf(helpers[name]) === output));
  const jsonValueHelpers = byOutput("value");
  const jsonStringHelpers = byOutput("string content");
  const cache = createCache();

  function compile(source: string): RenderTemplate {
    const cached = cache.get(source);
    if (cached) return cached;
    const nesting = findExcessNesting(source);
    if (nesting) throw new TemplateError(nesting.message, nesting.line, nesting.column);
    let ast: hbs.AST.Program | undefined;
    try {
      ast = handlebars.parse(source);
    } catch (error) {
      throw toTemplateError(error, source);
    }
    const known = knownHelpers(ast, registered);
    // Compiled at the first render, as Handlebars does: an error of the compiler is a render's.
    // The tree parsed above serves the first compile; compiling changes a tree, so later ones
    // parse again (a 60 KB template takes 200 ms to parse).
    const takeAst = () => {
      const taken = ast ?? handlebars.parse(source);
      ast = undefined;
      return taken;
    };
    let written: ((context: unknown) => string) | undefined;
    const asWritten = (context: unknown) => {
      written ??= compileOnce(handlebars, takeAst, known);
      return written(context);
    };
    let compact: { render: (context: unknown) => string; proof: JsonProof } | false | undefined;
    const asCompactJson = (context: unknown) => {
      // The proof reads a copy of the tree: a written compile may still take the tree itself.
      compact ??=
        source.length <= MAX_PROVEN_SOURCE && compileCompactJson(ast ?? handlebars.parse(source), known);
      if (!compact) return undefined;
      unchecked = false;
      try {
        const text = compact.render(context);
        return unchecked ? undefined : { text, kinds: compact.proof.kinds };
      } catch (error) {
        // The time limit stops the render; any other error is the written template's to report.
        if (error instanceof TemplateError) throw error;
        return undefined;
      }
    };

    const render = ((context: TemplateContext) => {
      deadline = performance.now() + timeLimitMs;
      try {
        return asWritten(context);
      } catch (error) {
        throw toTemplateError(error);
      }
    }) as RenderTemplate;
    render.json = (context: TemplateContext): TemplateJson => {
      deadline = performance.now() + timeLimitMs;
      try {
        const checked = asCompactJson(context);
        if (checked) return { text: checked.text, checked: true, kinds: checked.kinds };
        return { text: asWritten(context), checked: false };
      } catch (error) {
        throw toTemplateError(error);
      }
    };
    cache.set(source, render);
    return render;
  }

  /** The template as compact JSON with its insertions guarded, when json-proof.ts proves it; else false. */
  function compileCompactJson(ast: hbs.AST.Program, known: Record<string, boolean>) {
    try {
      const proof = proveJson(ast, {
        known: (name) => isKnown(known, name),
        values: jsonValueHelpers,
        stringContent: jsonStringHelpers,
      });
      if (!proof) return false;
      const guardsKnown = { ...known, [GUARD_STRING]: true, [GUARD_SCALAR]: true };
      return { render: compileOnce(handlebars, () => proof.ast, guardsKnown, jsonGuards, true), proof };
    } catch {
      // Not proven, for whatever reason: the template renders as written and its output is parsed.
      return false;
    }
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

/**
 * Compiled templates by source. A webhook's template reaches the render worker as a new string
 * for every render, and a Map keyed by it would hash the whole source every time (10 µs for the
 * 5 KB Slack template, a quarter of its render): templates are found by their length, then
 * compared whole, which stops at once for the same string and at the first difference for
 * another. At most MAX_CACHED_TEMPLATES, the oldest left out first.
 */
function createCache() {
  const byLength = new Map<number, { source: string; render: RenderTemplate }[]>();
  let size = 0;
  return {
    get(source: string): RenderTemplate | undefined {
      const entries = byLength.get(source.length);
      if (entries) for (const entry of entries) if (entry.source === source) return entry.render;
      return undefined;
    },
    set(source: string, render: RenderTemplate): void {
      if (size >= MAX_CACHED_TEMPLATES) {
        const [oldest, entries] = byLength.entries().next().value as [number, unknown[]];
        byLength.delete(oldest);
        size -= entries.length;
      }
      byLength.set(source.length, [...(byLength.get(source.length) ?? []), { source, render }]);
      size++;
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
