import { allNodes, isHelperCall, simpleName } from "./compile";
import {
  insertValue,
  isComplete,
  type JsonKind,
  type JsonState,
  lexContent,
  START,
  stateKey,
} from "./json-lexer";

// Proves, once per template, that every render of it is valid JSON that a parse and
// re-serialisation would leave byte for byte as it is, and writes the template so that it renders
// that compact JSON directly. The proof follows every way through the template (each branch of an
// {{#if}}, {{#unless}} and {{#with}}; an {{#each}} run no, one or many times, @first and @last
// included) with a JSON parser's state over its literal text. What a mustache inserts is what it
// cannot see, so it counts only as:
//   - a whole value, from a helper that always writes one as JSON.stringify does ({{json x}});
//   - the inside of a string, from a helper that always escapes for it ({{mrkdwn x}});
//   - anything else: guarded. The rewritten template passes its output through a guard helper
//     that returns it unchanged and, when it is not plain string content (a quote, a backslash, a
//     control character, a lone surrogate) or, where a value stands, not a canonical number,
//     true, false or null, marks the render: the engine then renders the template as written and
//     the format parses that, exactly as before.
// Partials, decorators, other block helpers, dynamic keys, a key twice or an array index as a
// key, numbers or escapes that a re-serialisation would rewrite: not proven, and such templates
// are parsed on every render as before.

export const GUARD_STRING = "herald json guard: string content";
export const GUARD_SCALAR = "herald json guard: scalar";

type Node = hbs.AST.Node;
type Program = hbs.AST.Program;
/** Compacted text; a mustache kept; or guarded, which a helper call (`call`) or a lookup. */
type Decision = { text: string } | "keep" | { guard: string; call: boolean };

export interface JsonHelperKinds {
  /** Whether the compiled template calls this name as a helper (knownHelpers, the defaults with them). */
  known: (name: string) => boolean;
  /** Helpers whose output is always one whole JSON value, written as JSON.stringify writes it. */
  values: ReadonlySet<string>;
  /** Helpers whose output always goes between a JSON string's quotes as JSON.stringify writes it. */
  stringContent: ReadonlySet<string>;
}

export interface JsonProof {
  /** The template rewritten: no whitespace between tokens, the unproven insertions guarded. */
  ast: Program;
  /** What the top-level value can be. */
  kinds: ReadonlySet<JsonKind>;
}

/** More states than this at one point of a template: not proven. */
const MAX_STATES = 256;
/**
 * The proof's work, in characters of the states it goes through: a template past this (thousands
 * of keys in one object, a 256 KB template) is not proven rather than slow to compile.
 */
const MAX_WORK = 500_000;
const MAX_LOOP_ROUNDS = 16;
const BLOCKS = new Set(["if", "unless", "with", "each"]);

class Unproven extends Error {}

type States = Map<string, JsonState>;

interface Scope {
  blockParams: ReadonlySet<string>;
  /** @first and @last of the innermost {{#each}} iteration, when known. */
  first?: boolean;
  last?: boolean;
}

export function proveJson(source: Program, helpers: JsonHelperKinds): JsonProof | undefined {
  const ast = structuredClone(source);
  for (const node of allNodes(ast)) {
    const { original } = node as { original?: unknown };
    if (typeof original === "string" && original.includes("herald json guard")) return undefined;
  }
  const decisions = new Map<Node, Decision>();
  try {
    const walk: Walk = { helpers, decisions, work: 0 };
    const ends = runProgram(ast, new Map([[stateKey(START), START]]), { blockParams: new Set() }, walk);
    const states = [...ends.values()];
    if (!states.every(isComplete)) return undefined;
    rewrite(ast, decisions);
    return { ast, kinds: new Set(states.map((state) => state.top as JsonKind)) };
  } catch (error) {
    if (error instanceof Unproven) return undefined;
    throw error;
  }
}

interface Walk {
  helpers: JsonHelperKinds;
  decisions: Map<Node, Decision>;
  work: number;
}

function runProgram(program: Program | undefined, states: States, outer: Scope, walk: Walk): States {
  if (!program) return states;
  const scope = { ...outer, blockParams: new Set([...outer.blockParams, ...(program.blockParams ?? [])]) };
  let current = states;
  for (const statement of program.body) {
    current = runStatement(statement, current, scope, walk);
    if (current.size > MAX_STATES) throw new Unproven();
  }
  return current;
}

function runStatement(node: Node, states: States, scope: Scope, walk: Walk): States {
  switch (node.type) {
    case "CommentStatement":
      return states;
    case "ContentStatement":
      return each(states, walk, (state) => {
        const lexed = lexContent((node as hbs.AST.ContentStatement).value, state);
        if (!lexed) throw new Unproven();
        decide(walk, node, { text: lexed.text });
        return lexed.state;
      });
    case "MustacheStatement":
      return each(states, walk, (state) => {
        const [decision, next] = insertion(node as hbs.AST.MustacheStatement, state, scope, walk.helpers);
        decide(walk, node, decision);
        return next;
      });
    case "BlockStatement":
      return runBlock(node as hbs.AST.BlockStatement, states, scope, walk);
    default:
      throw new Unproven();
  }
}

function each(states: States, walk: Walk, step: (state: JsonState) => JsonState): States {
  const next: States = new Map();
  for (const state of states.values()) {
    const after = step(state);
    const key = stateKey(after);
    walk.work += key.length;
    if (walk.work > MAX_WORK) throw new Unproven();
    next.set(key, after);
  }
  return next;
}

function union(...sets: States[]): States {
  return new Map(sets.flatMap((set) => [...set]));
}

/** The helper a mustache calls, or null when it looks a value up; throws when that is unclear. */
function calledHelper(
  node: hbs.AST.MustacheStatement,
  scope: Scope,
  helpers: JsonHelperKinds,
): string | null {
  if (node.path.type !== "PathExpression") throw new Unproven();
  const name = simpleName(node.path);
  if (name !== undefined && scope.blockParams.has(name)) return null;
  if (isHelperCall(node)) {
    if (name === undefined || !helpers.known(name)) throw new Unproven();
    return name;
  }
  return name !== undefined && helpers.known(name) ? name : null;
}

function insertion(
  node: hbs.AST.MustacheStatement,
  state: JsonState,
  scope: Scope,
  helpers: JsonHelperKinds,
): [Decision, JsonState] {
  const helper = calledHelper(node, scope, helpers);
  const call = helper !== null;
  if (state.string === "value") {
    return [call && helpers.stringContent.has(helper) ? "keep" : { guard: GUARD_STRING, call }, state];
  }
  const whole = call && helpers.values.has(helper);
  const next = insertValue(state, whole ? "inserted" : "scalar");
  if (!next) throw new Unproven();
  return [whole ? "keep" : { guard: GUARD_SCALAR, call }, next];
}

function runBlock(node: hbs.AST.BlockStatement, states: States, scope: Scope, walk: Walk): States {
  const name = node.path.type === "PathExpression" ? simpleName(node.path) : undefined;
  if (name === undefined || !BLOCKS.has(name) || scope.blockParams.has(name)) throw new Unproven();
  const { program, inverse } = node;
  if (name !== "each") {
    const known = position(node, scope);
    const truthy = name === "unless" ? inverse : program;
    const falsy = name === "unless" ? program : inverse;
    if (known === true) return runProgram(truthy, states, scope, walk);
    if (known === false) return runProgram(falsy, states, scope, walk);
    return union(runProgram(truthy, states, scope, walk), runProgram(falsy, states, scope, walk));
  }
  const iteration = (first: boolean, last: boolean, from: States) =>
    runProgram(program, from, { blockParams: scope.blockParams, first, last }, walk);
  const none = runProgram(inverse, states, scope, walk);
  const only = iteration(true, true, states);
  // Two or more: the first, any number of middle ones, the last.
  let middles = iteration(true, false, states);
  let frontier = middles;
  for (let round = 0; frontier.size > 0; round++) {
    if (round === MAX_LOOP_ROUNDS) throw new Unproven();
    const next = iteration(false, false, frontier);
    frontier = new Map([...next].filter(([key]) => !middles.has(key)));
    middles = union(middles, frontier);
    if (middles.size > MAX_STATES) throw new Unproven();
  }
  return union(none, only, iteration(false, true, middles));
}

/** `{{#if @first}}`, `{{#unless @last}}`…: known inside an {{#each}} iteration. */
function position(node: hbs.AST.BlockStatement, scope: Scope): boolean | undefined {
  const [param, ...rest] = node.params;
  if (rest.length > 0 || node.hash || param?.type !== "PathExpression") return undefined;
  const path = param as hbs.AST.PathExpression;
  if (!path.data || path.depth || path.parts.length !== 1) return undefined;
  if (path.parts[0] === "first") return scope.first;
  if (path.parts[0] === "last") return scope.last;
  return undefined;
}

function decide(walk: Walk, node: Node, decision: Decision): void {
  const earlier = walk.decisions.get(node);
  if (earlier !== undefined && JSON.stringify(earlier) !== JSON.stringify(decision)) throw new Unproven();
  walk.decisions.set(node, decision);
}

/** Applies the decisions: compacted text, guarded mustaches. */
function rewrite(ast: Program, decisions: Map<Node, Decision>): void {
  const programs = [...allNodes(ast)].filter((node): node is Program => node.type === "Program");
  for (const program of programs) {
    program.body = program.body.map((node) => {
      const decision = decisions.get(node);
      if (decision === undefined || decision === "keep") return node;
      if ("text" in decision) return { ...node, value: decision.text } as hbs.AST.ContentStatement;
      return guarded(node as hbs.AST.MustacheStatement, decision.guard, decision.call);
    });
  }
}

/**
 * `{{x}}` as `{{guard x}}`, `{{helper a b}}` as `{{guard (helper a b)}}`: the same value, looked up
 * or computed as before (a lookup's value is no longer called if it is a function: the guard
 * then marks the render, which renders as written).
 */
function guarded(node: hbs.AST.MustacheStatement, guard: string, call: boolean): hbs.AST.MustacheStatement {
  const { path, params, hash, loc } = node;
  const inner = !call ? path : ({ type: "SubExpression", path, params, hash, loc } as hbs.AST.SubExpression);
  const guardPath = { type: "PathExpression", data: false, depth: 0, parts: [guard], original: guard, loc };
  return { ...node, path: guardPath as hbs.AST.PathExpression, params: [inner], hash: undefined as never };
}
