import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";

// Routing by the URL's hash (#/deliveries?status=dead): the server serves one page, and nothing a
// route holds ever reaches it or its logs. What follows a "?" is the page's own state (its
// filters): a page keeps its place when only that changes, and Back returns to the one before.

export const HOME = "/integrations";

/** The hash without its "#", split at the first "?" into the path and the query ("" or "?…"). */
function currentLocation(): { path: string; query: string } {
  const hash = location.hash.replace(/^#/, "");
  const mark = hash.indexOf("?");
  const path = mark === -1 ? hash : hash.slice(0, mark);
  return { path: path.startsWith("/") ? path : HOME, query: mark === -1 ? "" : hash.slice(mark) };
}

/** A part of the hash, following every change (links, back and forward, navigate). */
function useHashPart(part: "path" | "query"): string {
  const [value, setValue] = useState(() => currentLocation()[part]);
  useEffect(() => {
    const follow = () => setValue(currentLocation()[part]);
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, [part]);
  return value;
}

/** The path after the hash, without its query. */
export const useHashPath = (): string => useHashPart("path");

/** The query after the hash's path ("" or "?…"): the state of the page that is open. */
export const useHashQuery = (): string => useHashPart("query");

/** Opens `path` (which may carry a query) as a new entry of the browser's history. */
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
