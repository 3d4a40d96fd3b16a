import { parseArgs } from "node:util";
import { configSchema } from "../config";
import { COMMANDS, type CommandSpec, findCommand } from "./commands";

/** The command line is wrong: exit 2 with the message and where to get help. */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(
    message: string,
    /** The command whose --help to point to; none for `herald --help`. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** A command that could not do what it was asked; the message says why. */
export class CommandError extends Error {
  override name = "CommandError";
}

export const USAGE_EXIT_CODE = 2;

/** Where to read about what went wrong. */
export function helpHint(command?: string): string {
  return command
    ? `Run \`herald ${command} --help\` for its usage.`
    : "Run `herald --help` for the commands.";
}

/** Edits from `a` to `b`: an insertion, deletion, substitution or swap of neighbours (lsit → list) each counts 1. */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known word closest to `word` (a typo, or an unambiguous start of it), or undefined. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const starts = known.filter((candidate) => lower.length >= 2 && candidate.startsWith(lower));
  if (starts.length === 1) return starts[0];
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of known) {
    const score = distance(lower, candidate);
    if (score <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || score < best.score)) {
      best = { candidate, score };
    }
  }
  return best?.candidate;
}

export function unknownCommand(name: string): UsageError {
  const guess = closest(
    name,
    COMMANDS.map((command) => command.name),
  );
  return new UsageError(`unknown command "${name}"${guess ? `; did you mean ${guess}?` : ""}`);
}

/** -h or --help before any `--`. */
export function wantsHelp(args: string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === "-h" || arg === "--help");
}

function unknownFlag(command: CommandSpec, flag: string): UsageError {
  const name = flag.replace(/^-+/, "").split("=")[0] ?? "";
  const guess = closest(
    name,
    command.flags.map((known) => known.name),
  );
  let hint = guess ? `; did you mean --${guess}?` : "";
  const setting = name.toUpperCase().replaceAll("-", "_");
  if (!guess && Object.hasOwn(configSchema.shape, setting)) {
    hint = `; settings come from the environment: ${setting}=…`;
  } else if (!guess && command.flags.length === 0) hint = `; herald ${command.name} takes no flags`;
  return new UsageError(`unknown flag ${flag}${hint}`, command.name);
}

/**
 * Parses a command's flags strictly, as its spec lists them. Node's own errors (an unknown flag,
 * a missing value, an argument where none is taken) become UsageErrors that say what to do.
 */
export function parseCommandArgs(
  commandName: string,
  args: string[],
): { values: Record<string, string | undefined>; positionals: string[] } {
  const command = findCommand(commandName);
  if (!command) throw unknownCommand(commandName);
  const options = Object.fromEntries(
    command.flags.map((flag) => [flag.name, { type: "string" as const, default: flag.default }]),
  );
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: command.actions !== undefined,
    });
    return { values: values as Record<string, string | undefined>, positionals };
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      throw unknownFlag(command, /'([^']+)'/.exec(message)?.[1] ?? "");
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const flag = /'(--?[\w-]+)/.exec(message)?.[1] ?? "a flag";
      const spec = command.flags.find((known) => `--${known.name}` === flag);
      throw new UsageError(`${flag} needs a value${spec ? `: ${flag} <${spec.value}>` : ""}`, command.name);
    }
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      const word = /'([^']*)'/.exec(message)?.[1] ?? "";
      throw new UsageError(
        `unexpected argument "${word}": herald ${command.name} takes flags only`,
        command.name,
      );
    }
    throw error;
  }
}

/** The action word of a command with actions (keys create), checked against its list. */
export function actionOf(commandName: string, word: string | undefined): string {
  const actions = findCommand(commandName)?.actions ?? [];
  if (word !== undefined && actions.includes(word)) return word;
  const list = `${actions.slice(0, -1).join(", ")} or ${actions.at(-1)}`;
  if (word === undefined) throw new UsageError(`needs an action: ${list}`, commandName);
  const guess = closest(word, actions);
  const hint = guess ? `; did you mean ${guess}?` : `: it takes ${list}`;
  throw new UsageError(`no action "${word}"${hint}`, commandName);
}
