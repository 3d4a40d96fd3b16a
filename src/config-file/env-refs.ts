export type Env = Record<string, string | undefined>;

export interface Substitution {
  value: string;
  /** The variables the text named, in order. */
  variables: string[];
  /** The text was one reference and nothing else (`${HERALD_KEY_CI}`). */
  whole: boolean;
}

/** `$${` (a literal `${`), `${NAME}`, or any other `${`, which is a mistake. */
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{/g;

/**
 * `text` with each `${NAME}` replaced by the environment variable NAME. `$${` stands for a
 * literal `${`; a `$` anywhere else is itself. An unset (or empty) variable, and a `${` that is
 * not a reference, are errors whose message says which and what to do.
 */
export function substituteEnv(text: string, env: Env): Substitution {
  const variables: string[] = [];
  const value = text.replace(REFERENCE, (match, name: string | undefined) => {
    if (match === "$${") return "${";
    if (name === undefined) {
      throw new Error(
        `\${ starts a reference but no \${NAME} follows (a name is letters, digits and _): write $\${ for a literal \${`,
      );
    }
    const found = env[name];
    if (found === undefined || found === "") {
      throw new Error(`\${${name}}: the environment variable ${name} is not set`);
    }
    variables.push(name);
    return found;
  });
  const whole = variables.length === 1 && text === `\${${variables[0]}}`;
  return { value, variables, whole };
}

/** `text` written so that substituteEnv gives it back: every `${` becomes `$${`. */
export function escapeReferences(text: string): string {
  // A function, since "$$" in a replacement string is itself an escape for one "$".
  return text.replaceAll("${", () => "$${");
}

/** A name as part of an environment variable's name: `siem-qradar` → `SIEM_QRADAR`. */
export function envName(name: string): string {
  const upper = name
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return upper === "" ? "UNNAMED" : upper;
}
