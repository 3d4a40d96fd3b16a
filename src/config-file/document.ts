import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { type Env, type Substitution, substituteEnv } from "./env-refs";
import { ConfigFileError, type FileIssue, type FilePath, showPath } from "./errors";

/** A config file is written by hand: far below this; a larger one is a mistake (a log, a dump). */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** A config file read, its `${…}` references replaced, with what it takes to say where a value was written. */
export interface ConfigDocument {
  /** The file as it was named (in messages). */
  file: string;
  /** The file's absolute path: what managed webhooks and keys record. */
  absolutePath: string;
  /** Relative `template_file`s are found from here. */
  dir: string;
  /** The file as plain values, references replaced. */
  value: unknown;
  /** The strings that held a reference, by their path as showPath writes it. */
  fromEnv: ReadonlyMap<string, Substitution>;
  /** The line (1-based) where the value at `path` is written, or its nearest written parent. */
  lineAt(path: FilePath): number | undefined;
}

/** Reads and parses `file`; a YAML mistake or a bad reference throws ConfigFileError with its line. */
export function readConfigDocument(file: string, env: Env): ConfigDocument {
  const text = readText(file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOfOffset = (offset: number) => lines.linePos(offset).line;
  if (doc.errors.length > 0) {
    throw new ConfigFileError(
      file,
      doc.errors.map((error) => ({
        path: [],
        line: lineOfOffset(error.pos[0]),
        message: `not valid YAML: ${error.message.split("\n")[0]}`,
      })),
    );
  }
  const lineAt = (path: FilePath) => lineOfPath(doc, path, lineOfOffset);
  const fromEnv = new Map<string, Substitution>();
  const issues: FileIssue[] = [];
  substituteAll(doc.contents, [], (node, path) => {
    try {
      const substitution = substituteEnv(node.value as string, env);
      if (substitution.variables.length > 0) fromEnv.set(showPath(path), substitution);
      node.value = substitution.value;
    } catch (error) {
      issues.push({ path, line: lineAt(path), message: (error as Error).message });
    }
  });
  if (issues.length > 0) throw new ConfigFileError(file, issues);
  const absolutePath = resolve(file);
  return { file, absolutePath, dir: dirname(absolutePath), value: doc.toJS(), fromEnv, lineAt };
}

function readText(file: string): string {
  try {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) {
      throw new Error(`it is ${size} bytes; a config file may be at most ${MAX_FILE_BYTES}`);
    }
    return readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigFileError(file, [{ path: [], message: `cannot read the config file: ${reason}` }]);
  }
}

/** Calls `visit` for every string scalar under `node` (mapping values and list items; never keys). */
function substituteAll(
  node: unknown,
  path: FilePath,
  visit: (node: { value: unknown }, path: FilePath) => void,
): void {
  if (isMap(node)) {
    for (const pair of node.items) substituteAll(pair.value, [...path, keyText(pair.key)], visit);
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      substituteAll(item, [...path, index], visit);
    });
  } else if (isScalar(node) && typeof node.value === "string") {
    visit(node, path);
  }
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** The line of the deepest node on `path` that is written in the file (a key's line for a mapping entry). */
function lineOfPath(
  doc: Document.Parsed,
  path: FilePath,
  lineOfOffset: (offset: number) => number,
): number | undefined {
  const lineOf = (node: unknown) => {
    const start = (node as Node | null)?.range?.[0];
    return start === undefined ? undefined : lineOfOffset(start);
  };
  let node: unknown = doc.contents;
  let line = lineOf(node);
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(part));
      if (!pair) break;
      line = lineOf(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && Number.isInteger(Number(part))) {
      const item = node.items[Number(part)];
      if (item === undefined) break;
      line = lineOf(item) ?? line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}
