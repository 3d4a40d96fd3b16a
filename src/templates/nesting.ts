/**
 * Handlebars' parser and compiler take time and stack that grow faster than the nesting of a
 * template (5,000 nested {{#if}} parse for 15 s, then overflow the stack), so nesting is counted
 * first, in one pass over the source, before the parser ever sees it.
 */

export const MAX_TEMPLATE_NESTING = 32;

export interface NestingProblem {
  message: string;
  line: number;
  column: number;
}

/**
 * The first place where blocks ({{#each}}, {{#if}}, {{^unless}}, {{#> partial}}, …) or
 * subexpressions ((helper (helper …))) nest deeper than `max`; undefined when none does.
 * Comments and raw blocks are skipped as Handlebars skips them; `\{{` is literal text.
 */
export function findExcessNesting(source: string, max = MAX_TEMPLATE_NESTING): NestingProblem | undefined {
  let blocks = 0;
  for (let at = source.indexOf("{{"); at !== -1; at = source.indexOf("{{", at)) {
    if (source[at - 1] === "\\") {
      at += 2;
      continue;
    }
    const end = mustacheEnd(source, at);
    const inner = source.slice(at + 2, end).replace(/^~/, "");
    if (inner.startsWith("{{")) {
      // A raw block: its content is text up to the matching {{{{/name}}}}.
      const close = source.indexOf("{{{{/", end);
      at = close === -1 ? source.length : close + 5;
      continue;
    }
    if (/^[#^][^}~]/.test(inner)) blocks++;
    else if (inner.startsWith("/")) blocks = Math.max(0, blocks - 1);
    const depth = Math.max(blocks, blocks + subexpressionDepth(inner));
    if (depth > max) {
      const { line, column } = position(source, at);
      return {
        message: `blocks or subexpressions nest ${depth} deep here; at most ${max} levels are allowed`,
        line,
        column,
      };
    }
    at = end;
  }
  return undefined;
}

/** Where the mustache starting at `at` ends: after "--}}" for a long comment, else after "}}". */
function mustacheEnd(source: string, at: number): number {
  const opener = /^\{\{~?!--/.exec(source.slice(at, at + 6));
  if (!opener) {
    const found = source.indexOf("}}", at + 2);
    return found === -1 ? source.length : found + 2;
  }
  const closer = /--~?\}\}/g;
  closer.lastIndex = at + opener[0].length;
  const found = closer.exec(source);
  return found ? found.index + found[0].length : source.length;
}

/** The deepest run of open parentheses inside one mustache (comments count none). */
function subexpressionDepth(inner: string): number {
  if (inner.startsWith("!")) return 0;
  let depth = 0;
  let deepest = 0;
  for (const char of inner) {
    if (char === "(") deepest = Math.max(deepest, ++depth);
    else if (char === ")") depth = Math.max(0, depth - 1);
  }
  return deepest;
}

function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}
