import { type Issue, ValidationError } from "../errors";
import { FormatError } from "../formats/format";
import { RenderTimeoutError, TemplateError } from "../templates/handlebars";

/**
 * Errors cross the worker boundary as plain data (structured clone keeps only an Error's message)
 * and are rebuilt on the other side as the class the callers test for.
 */
export type TransferredError =
  | { kind: "validation"; issues: Issue[] }
  | { kind: "template"; message: string; line?: number; column?: number }
  | { kind: "timeout"; limitMs: number }
  | { kind: "format"; message: string }
  | { kind: "other"; message: string };

export function toTransferable(error: unknown): TransferredError {
  if (error instanceof ValidationError) return { kind: "validation", issues: error.issues };
  if (error instanceof RenderTimeoutError) return { kind: "timeout", limitMs: error.limitMs };
  if (error instanceof TemplateError) {
    return { kind: "template", message: error.message, line: error.line, column: error.column };
  }
  if (error instanceof FormatError) return { kind: "format", message: error.message };
  return {
    kind: "other",
    message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}

export function fromTransferable(error: TransferredError): Error {
  switch (error.kind) {
    case "validation":
      return new ValidationError(error.issues);
    case "template":
      return new TemplateError(error.message, error.line, error.column);
    case "timeout":
      return new RenderTimeoutError(error.limitMs);
    case "format":
      return new FormatError(error.message);
    default:
      return new Error(error.message);
  }
}
