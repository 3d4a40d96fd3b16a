import type { z } from "zod";

export interface Issue {
  /** Dotted path of the field, e.g. "options.device_vendor" or "0.time". */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** Input that breaks a rule: the API answers 422 with every issue, naming field and reason. */
export class ValidationError extends Error {
  override name = "ValidationError";
  constructor(readonly issues: Issue[]) {
    super(issues.map((issue) => `${issue.path || "body"}: ${issue.message}`).join("; "));
  }
}

export function issuesFromZod(error: z.ZodError, prefix: (string | number)[] = []): Issue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join("."),
    message: issue.message,
  }));
}

/** Parses with a zod schema, or throws ValidationError naming each bad field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, prefix: (string | number)[] = []): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(issuesFromZod(result.error, prefix));
  return result.data;
}

export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/** The request clashes with the state of what it names (a webhook managed by a config file): 409. */
export class ConflictError extends Error {
  override name = "ConflictError";
}

/**
 * An error as it may be logged: its message, or for a failed database query the database's own
 * message and code. Never the query error's text, which lists every bound parameter (secrets too).
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { message?: string; code?: string } | undefined;
  if (cause?.message) return `${cause.code ? `${cause.code} ` : ""}${cause.message}`;
  return `${error.name}: ${error.message}`;
}

/** The database did not answer in time: what was asked may or may not have been done. */
export class StoreTimeoutError extends Error {
  override name = "StoreTimeoutError";
}

/** `work`, or a StoreTimeoutError once `ms` have passed without its answer (the work is not stopped). */
export async function withinTime<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StoreTimeoutError(`${what}: the database did not answer within ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The string `code`s of an error and of the errors it wraps, outermost first: a driver's code
 * (SQLSTATE "55P03", "ECONNREFUSED") sits on the cause of the error Drizzle throws.
 */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current instanceof Object && depth < 5; depth += 1) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === "string") codes.push(code);
    current = cause;
  }
  return codes;
}
