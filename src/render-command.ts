import { readFileSync } from "node:fs";
import { parseCommandArgs } from "./cli/args";
import type { Config } from "./config";
import { parseOrThrow, ValidationError } from "./errors";
import { DEFAULT_EVENT_CATALOG } from "./events/catalog";
import { keyFieldTable } from "./formats/key-fields";
import { FORMATS } from "./formats/registry";
import { createTemplateEngine } from "./templates/handlebars";
import { previewWebhook } from "./webhooks/preview";
import { webhookInputSchema } from "./webhooks/schema";

export class RenderUsageError extends Error {}

function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new RenderUsageError(`${what} ${path}: ${(error as Error).message}`);
  }
}

function readJsonFile(path: string, what: string): unknown {
  const text = readTextFile(path, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RenderUsageError(`${what} ${path}: ${(error as Error).message}`);
  }
}

/**
 * `herald render --format cef --event event.json [--template my.hbs] [--options '{…}'] [--url udp://…]`:
 * prints what a webhook would send (each message of a split one on its own line), so operators can check templates in their own CI. The
 * template is checked as the API checks it, then rendered for the event. Exit 1 on any problem.
 */
export function renderCommand(
  config: Config,
  args: string[],
  now = new Date(),
): { messages: string[]; warnings: string[] } {
  // Strict, with the defaults of `herald render --help`: an unknown flag is a UsageError (exit 2).
  const { values } = parseCommandArgs("render", args);
  if (!values.event) throw new RenderUsageError("render needs --event <file.json>");
  let options: unknown;
  try {
    options = JSON.parse(values.options ?? "{}");
  } catch (error) {
    throw new RenderUsageError(`--options is not JSON: ${(error as Error).message}`);
  }
  const input = parseOrThrow(webhookInputSchema, {
    name: "render",
    url: values.url,
    format: values.format,
    options,
    template: values.template ? readTextFile(values.template, "--template") : null,
  });
  const rendered = previewWebhook(input, readJsonFile(values.event, "--event"), {
    templates: createTemplateEngine(FORMATS, config.HERALD_TEMPLATES_DIR),
    catalog: { ...DEFAULT_EVENT_CATALOG, ...config.HERALD_EVENT_TYPES },
    now: () => now,
    maxBytesPerEvent: config.HERALD_MAX_RENDER_BYTES,
    keyFields: keyFieldTable(config.HERALD_FIELD_ALIASES),
  });
  return { messages: [rendered.body, ...(rendered.parts ?? [])], warnings: rendered.warnings };
}

export function describeRenderError(error: unknown): string | undefined {
  if (error instanceof RenderUsageError) return error.message;
  if (error instanceof ValidationError) {
    return error.issues
      .map((issue) => {
        const where = issue.line ? ` (line ${issue.line}, column ${issue.column})` : "";
        return `${issue.path || "input"}: ${issue.message}${where}`;
      })
      .join("\n");
  }
  return undefined;
}
