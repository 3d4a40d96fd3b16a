import type { ComponentChildren } from "preact";

/**
 * Text kept as written (a body, JSON) that may scroll: focusable, since a scrolling region must be
 * reachable from the keyboard (axe: scrollable-region-focusable).
 */
export function ScrollingText({ className, children }: { className?: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls must take the focus to scroll from the keyboard
    <pre class={className} tabIndex={0}>
      {children}
    </pre>
  );
}
