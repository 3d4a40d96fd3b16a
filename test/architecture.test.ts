import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The shape docs/architecture.md promises: small files, and modules that import each other in
// one direction only (a circle makes load order matter and hides which layer owns what).

const SRC = join(import.meta.dirname, "..", "src");
const MAX_LINES = 300;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    // .tsx too: the console's client (src/console/app) is held to the same rules.
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** The src files `file` imports (type-only imports too: a circle of types is still a circle of modules). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)].map(
    (match) => match[1] as string,
  );
  return specifiers.flatMap((specifier) => {
    const base = resolve(dirname(file), specifier);
    const found = [`${base}.ts`, `${base}.tsx`, join(base, "index.ts"), join(base, "index.tsx"), base].find(
      (candidate) => existsSync(candidate) && statSync(candidate).isFile(),
    );
    return found && /\.tsx?$/.test(found) ? [found] : [];
  });
}

/** The first circle found in a graph of `nodes` and their `edges`, as the nodes around it, or null. */
function findCircle(nodes: string[], edges: (node: string) => string[]): string[] | null {
  const graph = new Map(nodes.map((node) => [node, edges(node)]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | null => {
    if (state.get(file) === "done") return null;
    if (state.get(file) === "visiting") return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, "visiting");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const circle = visit(next);
      if (circle) return circle;
    }
    stack.pop();
    state.set(file, "done");
    return null;
  };
  for (const node of nodes) {
    const circle = visit(node);
    if (circle) return circle;
  }
  return null;
}

describe("the source tree", () => {
  const files = sourceFiles(SRC);

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => ({
        file: relative(SRC, file),
        lines: readFileSync(file, "utf8").split("\n").length - 1,
      }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it("has no import circle", () => {
    const circle = findCircle(files, importsOf);
    expect(circle?.map((file) => relative(SRC, file)) ?? null).toBeNull();
  });

  it("(the circle finder finds a circle, and only a circle)", () => {
    const edges = (graph: Record<string, string[]>) => (node: string) => graph[node] ?? [];
    const circular = { a: ["b"], b: ["c"], c: ["a"], d: ["a"] };
    expect(findCircle(Object.keys(circular), edges(circular))).toEqual(["a", "b", "c", "a"]);
    const layered = { a: ["b", "c"], b: ["c"], c: [], d: ["a", "c"] };
    expect(findCircle(Object.keys(layered), edges(layered))).toBeNull();
  });
});
