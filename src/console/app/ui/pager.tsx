import type { PagedList } from "./use-paged";

/** Previous page and Next page for a list the API pages with a cursor. */
export function Pager({ list, label }: { list: PagedList<unknown>; label: string }) {
  const hasNext = Boolean(list.data?.next_cursor);
  if (list.page === 1 && !hasNext) return null;
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" onClick={list.previous} disabled={list.page === 1}>
        Previous page
      </button>
      <span>Page {list.page}</span>
      <button type="button" onClick={list.next} disabled={!hasNext}>
        Next page
      </button>
    </nav>
  );
}
