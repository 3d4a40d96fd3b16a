import { useState } from "preact/hooks";
import type { Api } from "../api";
import type { Paged } from "../types";
import { type Loaded, useLoad } from "./use-load";

/** Rows on a page of a paged list. */
export const PAGE_SIZE = 50;

export interface PagedList<T> extends Loaded<Paged<T>> {
  /** 1 for the first page. */
  page: number;
  next(): void;
  previous(): void;
}

/**
 * A list the API pages with a cursor: `path` with `query` (its filters, "?…" or ""), one page at a
 * time (PAGE_SIZE rows). The cursors of the pages seen are kept, so Previous page goes back; new filters start
 * again at the first page.
 */
export function usePagedList<T>(api: Api, path: string, query: string): PagedList<T> {
  const [state, setState] = useState<{ query: string; cursors: string[] }>({ query, cursors: [] });
  const cursors = state.query === query ? state.cursors : [];
  const cursor = cursors[cursors.length - 1];
  const paging = `limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
  const loaded = useLoad(
    () => api.get<Paged<T>>(`${path}${query ? `${query}&` : "?"}${paging}`),
    [api, path, query, cursor],
  );
  return {
    ...loaded,
    page: cursors.length + 1,
    next() {
      const next = loaded.data?.next_cursor;
      if (next) setState({ query, cursors: [...cursors, next] });
    },
    previous() {
      setState({ query, cursors: cursors.slice(0, -1) });
    },
  };
}
