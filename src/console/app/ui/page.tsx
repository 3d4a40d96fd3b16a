import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/**
 * A page's heading and title. The heading takes the focus when the page opens, so a keyboard or
 * screen reader user starts at the new page, not at the link that led there.
 */
export function Page({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ComponentChildren;
  children?: ComponentChildren;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Herald`;
  }, [title]);
  useEffect(() => heading.current?.focus(), []);
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1} ref={heading}>
          {title}
        </h1>
        {actions && <div class="actions">{actions}</div>}
      </div>
      {children}
    </>
  );
}

/** A failure to load or do something, said where it happened. */
export function ErrorMessage({ error }: { error: Error | string }) {
  return (
    <p role="alert" class="error">
      {typeof error === "string" ? error : error.message}
    </p>
  );
}

export function Loading() {
  return <p class="muted">Loading…</p>;
}

/** A time as the reader's locale writes it, the exact instant in the markup. */
export function Time({ iso }: { iso: string }) {
  return <time dateTime={iso}>{new Date(iso).toLocaleString()}</time>;
}
