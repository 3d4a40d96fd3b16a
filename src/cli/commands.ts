import { ROLES } from "../store/keys";

/** A flag of a command: every one takes a value (`--format cef`), except -h/--help. */
export interface FlagSpec {
  name: string;
  /** What the value is, as the usage shows it: `<name>`. */
  value: string;
  description: string;
  default?: string;
}

export interface CommandSpec {
  name: string;
  /** One line for `herald --help`. */
  summary: string;
  /** The command line(s) after "herald ". */
  usage: string[];
  flags: FlagSpec[];
  /** Words after the command (keys' create, list, revoke <id>); without them any is an error. */
  actions?: string[];
  /** More lines for `herald <command> --help`. */
  details?: string[];
  examples: string[];
}

const LOCK_NOTE =
  "With the embedded store (no DATABASE_URL) only one process may open the data directory: stop the server first.";

export const COMMANDS: CommandSpec[] = [
  {
    name: "serve",
    summary: "start the API and the delivery engine (npm start)",
    usage: ["serve"],
    flags: [],
    details: [
      "Settings come from the environment (PORT, HOST, DATABASE_URL, HERALD_DATA_DIR, …; see the README).",
      "Applies pending migrations at start, and prints a first admin key when there is none.",
    ],
    examples: ["PORT=9000 herald serve"],
  },
  {
    name: "migrate",
    summary: "apply database migrations and exit",
    usage: ["migrate"],
    flags: [],
    details: [LOCK_NOTE],
    examples: ["DATABASE_URL=postgres://herald@db:5432/herald herald migrate"],
  },
  {
    name: "keys",
    summary: "create, list or revoke API keys",
    usage: [`keys create --role <${ROLES.join("|")}> --name <name>`, "keys list", "keys revoke <id>"],
    actions: ["create", "list", "revoke"],
    flags: [
      { name: "role", value: ROLES.join("|"), description: "the new key's role (create)" },
      { name: "name", value: "name", description: "what the key is for, shown by list (create)" },
    ],
    details: [
      "create prints the key once (on stdout); list never shows keys, only their prefixes.",
      `${LOCK_NOTE} While it runs, use its API instead (/api/v1/keys).`,
    ],
    examples: ["herald keys create --role viewer --name ci", "herald keys list", "herald keys revoke <id>"],
  },
  {
    name: "render",
    summary: "print what a webhook would send for an event file (warnings on stderr)",
    usage: [
      "render --format <name> --event <file.json> [--template <file.hbs>] [--options '<json>'] [--url <url>]",
    ],
    flags: [
      { name: "format", value: "name", description: "the format to render", default: "json" },
      { name: "event", value: "file.json", description: "the event to render (required)" },
      { name: "template", value: "file.hbs", description: "a template instead of the format's default" },
      { name: "options", value: "json", description: "the format's options, as JSON", default: "{}" },
      {
        name: "url",
        value: "url",
        description: "the webhook's URL (it picks the destination)",
        default: "https://render.invalid/",
      },
    ],
    details: ["Sends nothing. Exit 1, with line and column, on a broken template or bad options."],
    examples: ["herald render --format cef --event event.json --template my-cef.hbs"],
  },
  {
    name: "doctor",
    summary: "check the configuration, database, migrations, templates and webhook destinations",
    usage: ["doctor [--timeout <ms>]"],
    flags: [
      {
        name: "timeout",
        value: "ms",
        description: "how long to wait for each DNS lookup and the database",
        default: "3000",
      },
    ],
    details: [
      "Prints one line per check (ok, warn or FAIL, and what to do). Exit 0 when nothing failed, 1 otherwise.",
      "Changes nothing. Beside a running server on the embedded store it leaves the store alone",
      "and checks the rest.",
    ],
    examples: ["herald doctor", "HERALD_TEMPLATES_DIR=./my-templates herald doctor"],
  },
  {
    name: "config",
    summary: "plan, apply or export webhooks, event types and API keys as a YAML file (HERALD_CONFIG)",
    usage: [
      "config plan [--file <herald.yaml>]",
      "config apply [--file <herald.yaml>]",
      "config export [--out <file>]",
    ],
    actions: ["plan", "apply", "export"],
    flags: [
      { name: "file", value: "herald.yaml", description: "the config file (default: HERALD_CONFIG)" },
      { name: "out", value: "file", description: "write the export to this file instead of stdout (export)" },
    ],
    details: [
      "plan prints what apply would change (create, update field by field, delete only with prune: true)",
      "and changes nothing; apply makes those changes in one transaction; export writes the store as",
      `such a file, secrets as \${…} placeholders listed at its top. \${NAME} in the file is the`,
      "environment variable NAME. A broken file is refused with its path and line, nothing changed.",
      `${LOCK_NOTE} A server started with HERALD_CONFIG applies it at every start.`,
    ],
    examples: [
      "herald config plan --file herald.yaml",
      "HERALD_CONFIG=herald.yaml herald config apply",
      "herald config export --out herald.yaml",
    ],
  },
  {
    name: "help",
    summary: "print this list, or a command's usage (herald help <command>)",
    usage: ["help [<command>]"],
    flags: [],
    examples: ["herald help render"],
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}

export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 2;
  return [
    "Usage: herald <command> [flags]",
    "",
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    "",
    "Run `herald <command> --help` for a command's flags and an example.",
    "Settings come from the environment (see README): PORT, DATABASE_URL, HERALD_DATA_DIR, …",
    "With the embedded store (no DATABASE_URL), only one process may use the data directory at a",
    "time: stop the server before migrate, keys or config, or manage keys through its API (/api/v1/keys).",
  ].join("\n");
}

export function commandHelp(command: CommandSpec): string {
  const flags = [
    ...command.flags.map((flag) => ({
      left: `--${flag.name} <${flag.value}>`,
      right: flag.default === undefined ? flag.description : `${flag.description} (default ${flag.default})`,
    })),
    { left: "-h, --help", right: "print this help" },
  ];
  const width = Math.max(...flags.map((flag) => flag.left.length)) + 2;
  return [
    `Usage: ${command.usage.map((line) => `herald ${line}`).join("\n       ")}`,
    "",
    command.summary,
    ...(command.details ?? []),
    "",
    "Flags:",
    ...flags.map((flag) => `  ${flag.left.padEnd(width)}${flag.right}`),
    "",
    command.examples.length > 1 ? "Examples:" : "Example:",
    ...command.examples.map((example) => `  ${example}`),
  ].join("\n");
}
