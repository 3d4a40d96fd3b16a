import { ConfigError } from "../config";

/** Where something is in a config file: keys and list indexes from the top (["webhooks", 2, "url"]). */
export type FilePath = readonly (string | number)[];

export interface FileIssue {
  path: FilePath;
  message: string;
  /** The line in the file (1-based), when the path names something written there. */
  line?: number;
}

/** `webhooks[2].options.channel`, as an operator finds it in the file. */
export function showPath(path: FilePath): string {
  return path
    .map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`))
    .join("");
}

/**
 * A config file that cannot be applied; one line per problem, `file:line: path: message`. A
 * ConfigError, so that `herald serve` and the CLI print it as they print a bad setting.
 */
export class ConfigFileError extends ConfigError {
  override name = "ConfigFileError";
  constructor(
    readonly file: string,
    readonly issues: FileIssue[],
  ) {
    super(
      issues
        .map((issue) => {
          const where = issue.line === undefined ? file : `${file}:${issue.line}`;
          const path = issue.path.length > 0 ? `${showPath(issue.path)}: ` : "";
          return `${where}: ${path}${issue.message}`;
        })
        .join("\n"),
    );
  }
}
