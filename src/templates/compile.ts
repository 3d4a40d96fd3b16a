import { createRequire } from "node:module";
import type Handlebars from "handlebars";
import type { HelperDelegate, HelperOptions } from "handlebars";

// How Herald compiles a parsed template: with the helpers it calls known to the compiler, and
// Handlebars' per-call set-up done once per template instead of on every render.

/**
 * Handlebars' own prototype-access rules, which its runtime applies to every property a template
 * looks up; set up here once, from the same module, instead of on every render.
 */
interface ProtoAccess {
  createProtoAccessControl(runtimeOptions: object): object;
  resultIsAllowed(result: unknown, control: object, propertyName: string): boolean;
  isPrototypeConstructor(parent: object, propertyName: string, result: unknown): boolean;
}
const protoAccess = createRequire(import.meta.url)(
  "handlebars/dist/cjs/handlebars/internal/proto-access.js",
) as ProtoAccess;

type Environment = typeof Handlebars;
type Node = hbs.AST.Node;

/** Handlebars' runtime template: a render, and the set-up it runs at the start of each one. */
interface RuntimeTemplate {
  (context: unknown, options?: object): string;
  _setup?: (options: object) => void;
}

/** The parts of a Handlebars environment that compile an AST (public, documented extension points). */
interface CompilingEnvironment {
  Compiler: new () => { compile(ast: hbs.AST.Program, options: object): unknown };
  JavaScriptCompiler: new () => {
    compile(environment: unknown, options: object, context: undefined, asObject: true): object;
  };
  template(spec: object): RuntimeTemplate;
}

/** The simple id a helper call names, as Handlebars' compiler reads it (a literal path included). */
export function simpleName(path: Node): string | undefined {
  const original = String((path as { original?: unknown }).original ?? "");
  if (path.type !== "PathExpression") return isScoped(original) ? undefined : original;
  const { parts, depth } = path as hbs.AST.PathExpression;
  return parts.length === 1 && !depth && !isScoped(original) ? parts[0] : undefined;
}

/** Handlebars' AST.helpers.scopedId: `this`, `.`, `./x`. */
function isScoped(original: string): boolean {
  return /^\.|this\b/.test(original);
}

/** Handlebars' AST.helpers.helperExpression: a call, never a plain lookup. */
export function isHelperCall(node: Node): boolean {
  const { params, hash } = node as hbs.AST.MustacheStatement;
  return node.type === "SubExpression" || (params?.length ?? 0) > 0 || hash !== undefined;
}

/** Every node under `node`, depth first, with `node` itself. */
export function* allNodes(node: unknown): Generator<Node> {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const child of node) yield* allNodes(child);
    return;
  }
  const record = node as Record<string, unknown>;
  if (typeof record.type === "string") yield record as unknown as Node;
  for (const [key, child] of Object.entries(record)) if (key !== "loc") yield* allNodes(child);
}

/**
 * The helper names the compiler may call directly in this template. Handlebars' compiler checks a
 * known helper by the first part of a call's path even when the path is not a simple name or is
 * a data path (`{{this.json x}}`, `{{json.foo x}}`, `{{@json x}}` would call `json`), which
 * without knownHelpers are looked up in the context or as the helper "@json": such names stay
 * unknown, so that those calls keep their meaning.
 */
export function knownHelpers(ast: hbs.AST.Program, registered: readonly string[]): Record<string, boolean> {
  const shadowed = new Set<string>();
  for (const node of allNodes(ast)) {
    const { path } = node as hbs.AST.MustacheStatement;
    const data = (path as Partial<hbs.AST.PathExpression> | undefined)?.data === true;
    if (path && isHelperCall(node) && (data || simpleName(path) === undefined)) {
      const { parts, original } = path as { parts?: string[]; original?: unknown };
      shadowed.add(String(parts?.[0] ?? original));
    }
  }
  // `log` is compiled as a known helper unless told otherwise; unregistered, it is "Missing helper: log".
  const known: Record<string, boolean> = { log: false };
  for (const name of registered) if (!shadowed.has(name)) known[name] = true;
  return known;
}

/**
 * Handlebars' JavaScriptCompiler with its documented nameLookup hook (the way Handlebars shows to
 * change lookups) reading the known helpers straight from the helpers object, which are its own
 * properties, set up once: no lookup function with the prototype checks on every helper call.
 * Every other name (context values, helpers not known, names Object.prototype has) is looked up
 * as before.
 */
function directHelpers(
  environment: CompilingEnvironment,
  helpers: Record<string, unknown>,
  known: Record<string, boolean>,
): CompilingEnvironment["JavaScriptCompiler"] {
  type NameLookup = (parent: string, name: string, type: string) => unknown;
  const Base = environment.JavaScriptCompiler as unknown as { prototype: { nameLookup: NameLookup } };
  const direct = (name: string) =>
    isKnown(known, name) &&
    typeof helpers[name] === "function" &&
    Object.hasOwn(helpers, name) &&
    !(name in Object.prototype);
  function Compiler() {}
  Compiler.prototype = new environment.JavaScriptCompiler();
  Object.assign(Compiler.prototype, {
    compiler: Compiler,
    nameLookup(this: unknown, parent: string, name: string, type: string) {
      if (type === "helper" && parent === "helpers" && direct(name))
        return `helpers[${JSON.stringify(name)}]`;
      return Base.prototype.nameLookup.call(this, parent, name, type);
    },
  });
  return Compiler as unknown as CompilingEnvironment["JavaScriptCompiler"];
}

/** The helpers Handlebars' compiler knows without being told. */
const DEFAULT_KNOWN = [
  "helperMissing",
  "blockHelperMissing",
  "each",
  "if",
  "unless",
  "with",
  "log",
  "lookup",
];

/** Whether a template compiled with `known` calls `name` as a helper (knownHelpersOnly: never looks it up). */
export function isKnown(known: Record<string, boolean>, name: string): boolean {
  return Object.hasOwn(known, name) ? known[name] === true : DEFAULT_KNOWN.includes(name);
}

const ONLY_KNOWN = /^You specified knownHelpersOnly/;

/**
 * Compiles `ast` with `known` helpers called directly; with knownHelpersOnly too (plain names are
 * then context lookups, never helper lookups) unless the template calls a helper that is not
 * registered, whose "Missing helper" error it must keep at render time (`onlyKnown`: throws
 * then). Handlebars' runtime sets each render up again (every registered helper wrapped in a new
 * closure, the prototype-access rules rebuilt): here that set-up runs once per template, with
 * `extraHelpers` (helpers only this compiled template sees), and every render reuses it. Herald
 * never passes per-render options, which are all that set-up would read, so renders are the
 * same (test/templates/engine.test.ts compares them with Handlebars' own).
 */
export function compileOnce(
  handlebars: Environment,
  ast: () => hbs.AST.Program,
  known: Record<string, boolean>,
  extraHelpers: Record<string, HelperDelegate> = {},
  onlyKnown = false,
): (context: unknown) => string {
  const environment = handlebars as unknown as CompilingEnvironment;
  const runtime = runtimeOnce(handlebars, extraHelpers);
  const JavaScriptCompiler = directHelpers(environment, runtime.helpers, known);
  const build = (knownHelpersOnly: boolean) => {
    const options = {
      noEscape: true,
      strict: false,
      data: true,
      knownHelpers: { ...known },
      knownHelpersOnly,
    };
    const compiled = new environment.Compiler().compile(ast(), options);
    return environment.template(new JavaScriptCompiler().compile(compiled, options, undefined, true));
  };
  let template: RuntimeTemplate;
  try {
    template = build(true);
  } catch (error) {
    if (onlyKnown || !ONLY_KNOWN.test((error as Error).message)) throw error;
    template = build(false);
  }
  const setup = template._setup;
  if (typeof setup !== "function") {
    throw new Error("this Handlebars runtime has no per-render set-up to run once (templates/compile.ts)");
  }
  setup.call(template, runtime);
  template._setup = () => {};
  return (context) => template(context);
}

/**
 * What Handlebars' runtime sets up at the start of every render, made once. Its own set-up wraps
 * every helper in a closure that hands the helper `options.lookupProperty` (the lookup with the
 * prototype-access rules): a closure per helper per render, and a detour per helper call. Only
 * the built-in `lookup` reads it, so only `lookup` is wrapped, with the same lookup the runtime
 * gives it. The set-up is passed as Handlebars passes it to a partial (its `partial` form: the
 * parts as they are, nothing merged or wrapped): the same helpers, partials, decorators, hooks
 * (helperMissing and blockHelperMissing, moved out of the helpers as the runtime moves them) and
 * prototype-access rules as a render of the template with no options of its own gets.
 */
function runtimeOnce(
  handlebars: Environment,
  extraHelpers: Record<string, HelperDelegate>,
): { helpers: Record<string, HelperDelegate | undefined>; [option: string]: unknown } {
  const protoAccessControl = protoAccess.createProtoAccessControl({});
  // The body of the runtime's container.lookupProperty, with these rules.
  const lookupProperty = (parent: Record<string, unknown>, propertyName: string) => {
    const result = parent[propertyName];
    if (result == null) return result;
    if (
      Object.hasOwn(parent, propertyName) &&
      !protoAccess.isPrototypeConstructor(parent, propertyName, result)
    ) {
      return result;
    }
    return protoAccess.resultIsAllowed(result, protoAccessControl, propertyName) ? result : undefined;
  };
  const { helperMissing, blockHelperMissing, lookup, ...helpers } = {
    ...handlebars.helpers,
    ...extraHelpers,
  };
  const withLookup = (helper: HelperDelegate | undefined) =>
    helper &&
    function (this: unknown, ...args: unknown[]) {
      (args[args.length - 1] as HelperOptions & { lookupProperty: unknown }).lookupProperty = lookupProperty;
      return (helper as (...list: unknown[]) => unknown).apply(this, args);
    };
  return {
    partial: true,
    helpers: {
      ...helpers,
      lookup: withLookup(lookup),
      helperMissing: undefined,
      blockHelperMissing: undefined,
    },
    partials: handlebars.partials,
    decorators: { ...handlebars.decorators },
    hooks: { helperMissing, blockHelperMissing },
    protoAccessControl,
  };
}
