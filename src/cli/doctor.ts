import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Config, ConfigError, loadConfig } from "../config";
import { createEgressPolicy, type EgressPolicy } from "../destinations/egress";
import { FORMATS, findFormat } from "../formats/registry";
import { createTemplateEngine } from "../templates/handlebars";
import { sampleEvent } from "../webhooks/validate";
import { closest, parseCommandArgs, UsageError } from "./args";
import { checkStore } from "./doctor-store";
import { type Finding, oneLine, printFinding, type Report } from "./report";

/** Handlebars' parse errors quote the source around the error: the line and column say where already. */
function shortTemplateError(message: string): string {
  if (!message.startsWith("Parse error")) return oneLine(message);
  return `parse error: ${message.split("\n").at(-1)}`;
}

function checkConfig(env: NodeJS.ProcessEnv, report: Report): Config | undefined {
  const from = env.HERALD_CONFIG_FILE ? `the environment and ${env.HERALD_CONFIG_FILE}` : "the environment";
  try {
    const config = loadConfig(env);
    report({ status: "ok", check: "configuration", message: `loads from ${from}` });
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report({
      status: "FAIL",
      check: "configuration",
      message: oneLine(error.message),
      todo: "fix the settings named (see the README's Configuration); the other checks need it",
    });
    return undefined;
  }
}

function checkEgress(config: Config, report: Report): EgressPolicy {
  try {
    const policy = createEgressPolicy({ deny: config.HERALD_EGRESS_DENY, allow: config.HERALD_EGRESS_ALLOW });
    const deny = config.HERALD_EGRESS_DENY.length;
    const allow = config.HERALD_EGRESS_ALLOW;
    const message = `settings parse: ${deny} deny range${deny === 1 ? "" : "s"} besides the built-in ones; ${
      allow.length > 0 ? `only ${allow.join(", ")} allowed` : "any other address allowed"
    }`;
    report({ status: "ok", check: "egress", message });
    return policy;
  } catch (error) {
    report({
      status: "FAIL",
      check: "egress",
      message: (error as Error).message,
      todo: "fix HERALD_EGRESS_DENY or HERALD_EGRESS_ALLOW (comma-separated CIDRs); webhooks are checked against the built-in rules only",
    });
    return createEgressPolicy();
  }
}

/** Each <format>.hbs in HERALD_TEMPLATES_DIR compiles and renders a sample event, as the server's start needs. */
function checkTemplates(dir: string | undefined, report: Report): void {
  const check = "templates";
  if (!dir) {
    report({
      status: "ok",
      check,
      message: "HERALD_TEMPLATES_DIR is not set: the built-in templates are used",
    });
    return;
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    const todo = "create it, or unset HERALD_TEMPLATES_DIR to use the built-in templates";
    report({ status: "FAIL", check, message: `HERALD_TEMPLATES_DIR ${dir} is not a directory`, todo });
    return;
  }
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(".hbs"))
    .sort();
  if (files.length === 0) {
    report({ status: "ok", check, message: `${dir} holds no .hbs file: the built-in templates are used` });
    return;
  }
  const engine = createTemplateEngine(FORMATS, dir);
  engine.limitRenderTime(1000);
  const now = new Date();
  const names = FORMATS.map((format) => format.name);
  for (const file of files) {
    const name = file.slice(0, -".hbs".length);
    const format = findFormat(name);
    const path = join(dir, file);
    if (!format) {
      const guess = closest(name, names);
      report({
        status: "warn",
        check,
        message: `${path}: there is no format "${name}", so nothing uses it`,
        todo: guess
          ? `did you mean ${guess}.hbs?`
          : `name it after a format (${names.join(", ")}) or remove it`,
      });
      continue;
    }
    try {
      const template = engine.compile(readFileSync(path, "utf8"));
      const options = format.optionsSchema.safeParse({});
      if (options.success) {
        format.render({ event: sampleEvent("test", now), options: options.data, template, now });
      }
      report({ status: "ok", check, message: `${path} compiles for the ${name} format` });
    } catch (error) {
      const { line, column } = error as { line?: number; column?: number };
      const where = line ? ` (line ${line}, column ${column})` : "";
      report({
        status: "FAIL",
        check,
        message: `${path}: ${shortTemplateError((error as Error).message)}${where}`,
        todo: `fix it, or remove it to use the built-in ${name} template; the server does not start with it`,
      });
    }
  }
}

/** `herald doctor`: prints one line per check; resolves to the exit code (0 when nothing failed). */
export async function doctor(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseCommandArgs("doctor", args);
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new UsageError(`--timeout must be a number of milliseconds, not "${values.timeout}"`, "doctor");
  }
  const findings: Finding[] = [];
  const report: Report = (finding) => {
    findings.push(finding);
    printFinding(finding);
  };
  const config = checkConfig(env, report);
  if (config) {
    const policy = checkEgress(config, report);
    checkTemplates(config.HERALD_TEMPLATES_DIR, report);
    await checkStore(config, policy, timeoutMs, report);
  }
  const failed = findings.filter((finding) => finding.status === "FAIL").length;
  const warned = findings.filter((finding) => finding.status === "warn").length;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  process.stdout.write(
    failed === 0 && warned === 0
      ? "\nall checks passed\n"
      : `\n${plural(failed, "check")} failed, ${plural(warned, "warning")}\n`,
  );
  return failed === 0 ? 0 : 1;
}
