/** A query string ("?a=1&b=2", or "") of the values that are set. */
export function queryString(values: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value) query.set(name, value);
  const text = query.toString();
  return text ? `?${text}` : "";
}

/** A datetime-local field's value (the reader's local time) as RFC 3339 in UTC, or undefined. */
export function isoFromLocal(value: string): string | undefined {
  if (!value) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}
