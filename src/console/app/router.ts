import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";

// Routing by the URL's hash (#/integrations/<id>): the server serves one page, and nothing a
// route holds ever reaches it or its logs.

export const HOME = "/integrations";

function currentPath(): string {
  const path = location.hash.replace(/^#/, "");
  return path.startsWith("/") ? path : HOME;
}

/** The path after the hash, following every change (links, back and forward, navigate). */
export function useHashPath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const follow = () => setPath(currentPath());
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  return path;
}

export function navigate(path: string): void {
  location.hash = path;
}

/** The href of a console path, for links. */
export function href(path: string): string {
  return `#${path}`;
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export interface Route<P> {
  /** e.g. "/integrations/:id"; the first route that matches wins. */
  pattern: string;
  page: ComponentType<P>;
}

/** The route that `path` matches and the values of its `:name` segments. */
export function matchRoute<P>(
  routes: Route<P>[],
  path: string,
): { route: Route<P>; params: Record<string, string> } | undefined {
  const segments = path.split("/").filter(Boolean);
  for (const route of routes) {
    const pattern = route.pattern.split("/").filter(Boolean);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((part, index) => {
      const segment = segments[index] as string;
      if (!part.startsWith(":")) return part === segment;
      params[part.slice(1)] = decoded(segment);
      return true;
    });
    if (matches) return { route, params };
  }
  return undefined;
}
