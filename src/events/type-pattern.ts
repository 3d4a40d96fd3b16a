/** "*" matches every type, "auth.*" every type that starts with "auth.", anything else itself. */
export function typeMatchesPattern(type: string, pattern: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("*")) return type.startsWith(pattern.slice(0, -1));
  return type === pattern;
}
