import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { type Issue, ValidationError } from "../errors";
import { isObject } from "../formats/format";
import { type WebhookInput, webhookInputSchema } from "../webhooks/schema";
import type { ConfigDocument } from "./document";
import type { FileIssue } from "./errors";
import { fileIssuesFromZod } from "./file-schema";

/** Larger than any template the schema takes (256 KiB), so that the schema names the limit. */
const MAX_TEMPLATE_FILE_BYTES = 256 * 1024 + 1;

/** A webhook as the file declares it, checked by the API's schema. */
export interface DesiredWebhook {
  /** Its place in the file's `webhooks` list, and the line it starts on. */
  index: number;
  line: number | undefined;
  input: WebhookInput;
  /**
   * The file sets is_active. Without it, apply leaves the webhook's own state alone: the failure
   * threshold may have switched it off, and a restart must not switch it back on.
   */
  setsActive: boolean;
  /** The file names a Splunk HEC channel; without one the stored channel is kept (one per webhook). */
  setsChannel: boolean;
  /** `template_file` as written, when the template came from a file. */
  templateFile?: string;
}

/** `template_file` read (relative to the config file) into `template`. */
function withTemplateFile(
  doc: ConfigDocument,
  entry: Record<string, unknown>,
  index: number,
): { fields: Record<string, unknown>; templateFile?: string; issue?: FileIssue } {
  const { template_file: templateFile, ...rest } = entry;
  if (templateFile === undefined) return { fields: rest };
  const path = ["webhooks", index, "template_file"];
  const problem = (message: string): FileIssue => ({ path, line: doc.lineAt(path), message });
  if (typeof templateFile !== "string" || templateFile === "") {
    return { fields: rest, issue: problem("must be the path of a template file") };
  }
  if (rest.template !== undefined && rest.template !== null) {
    return { fields: rest, issue: problem("give template or template_file, not both") };
  }
  try {
    const file = resolve(doc.dir, templateFile);
    if (statSync(file).size > MAX_TEMPLATE_FILE_BYTES) {
      return { fields: rest, issue: problem(`${templateFile} is larger than a template may be (256 KiB)`) };
    }
    return { fields: { ...rest, template: readFileSync(file, "utf8") }, templateFile };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { fields: rest, issue: problem(`cannot read ${templateFile}: ${reason}`) };
  }
}

function namesChannel(fields: Record<string, unknown>): boolean {
  const hec = (holder: unknown) => (isObject(holder) ? holder.splunk_hec : undefined);
  return [hec(fields.destination), fields.splunk_hec].some(
    (settings) => isObject(settings) && settings.channel !== undefined,
  );
}

/** Each webhook checked by the API's schema; names unique in the file. */
export function parseWebhookEntries(
  doc: ConfigDocument,
  entries: Record<string, unknown>[],
): { webhooks: DesiredWebhook[]; issues: FileIssue[] } {
  const webhooks: DesiredWebhook[] = [];
  const issues: FileIssue[] = [];
  const firstIndexOf = new Map<string, number>();
  entries.forEach((entry, index) => {
    const { fields, templateFile, issue } = withTemplateFile(doc, entry, index);
    if (issue) issues.push(issue);
    const parsed = webhookInputSchema.safeParse(fields);
    if (!parsed.success) {
      const found = fileIssuesFromZod(parsed.error, ["webhooks", index], doc);
      // A template read from a file is reported where the file is named.
      issues.push(...found.map((each) => (templateFile ? atTemplateFile(each, doc) : each)));
      return;
    }
    const name = parsed.data.name;
    const first = firstIndexOf.get(name);
    if (first !== undefined) {
      const path = ["webhooks", index, "name"];
      const message = `"${name}" is the name of webhooks[${first}] too (line ${doc.lineAt(["webhooks", first])}): webhooks are matched by name, so each needs its own`;
      issues.push({ path, line: doc.lineAt(path), message });
      return;
    }
    firstIndexOf.set(name, index);
    const setsActive = fields.is_active !== undefined || fields.state !== undefined;
    const line = doc.lineAt(["webhooks", index]);
    webhooks.push({
      index,
      line,
      input: parsed.data,
      setsActive,
      setsChannel: namesChannel(fields),
      templateFile,
    });
  });
  return { webhooks, issues };
}

function atTemplateFile(issue: FileIssue, doc: ConfigDocument): FileIssue {
  if (issue.path.at(-1) !== "template") return issue;
  const path = [...issue.path.slice(0, -1), "template_file"];
  return { ...issue, path, line: doc.lineAt(path) };
}

/** A Handlebars parse error quotes the source over several lines: its first and last say it all. */
function shortMessage(message: string): string {
  const lines = message.split("\n").filter((line) => line.trim() !== "");
  return lines.length > 1 ? `${lines[0]} ${lines.at(-1)}` : message;
}

/** zod's `Unrecognized keys: "a", "b"` (a format's strict options) as one issue per key, where it is written. */
function perUnknownKey(issue: Issue): Issue[] {
  const listed = /^Unrecognized keys?: (.*)$/.exec(issue.message)?.[1];
  if (listed === undefined) return [issue];
  const keys = [...listed.matchAll(/"([^"]*)"/g)].map((match) => match[1] as string);
  return keys.map((key) => ({ path: issue.path ? `${issue.path}.${key}` : key, message: "unknown field" }));
}

/**
 * What the API checks on save beyond the schema (`validate`: the render pool's check of the
 * format's options and of the template against sample events), reported where the file says it.
 */
export async function checkRenders(
  doc: ConfigDocument,
  webhooks: DesiredWebhook[],
  validate: (input: WebhookInput) => Promise<void>,
): Promise<FileIssue[]> {
  const issues: FileIssue[] = [];
  for (const webhook of webhooks) {
    try {
      await validate(webhook.input);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const found of error.issues.flatMap(perUnknownKey)) {
        const inTemplate = found.path === "template";
        const field = inTemplate && webhook.templateFile ? ["template_file"] : found.path.split(".");
        const path = ["webhooks", webhook.index, ...field];
        const source = webhook.templateFile ?? "template";
        const where =
          found.line === undefined ? "" : `${source} line ${found.line}, column ${found.column}: `;
        const message = `${where}${shortMessage(found.message)}`;
        issues.push({ path, line: doc.lineAt(path), message });
      }
    }
  }
  return issues;
}
