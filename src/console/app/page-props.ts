import type { Api } from "./api";
import type { Role } from "./types";

/** What every page is given. */
export interface PageProps {
  api: Api;
  role: Role;
  /** The values of the route's `:name` segments. */
  params: Record<string, string>;
  /** Says `text` in the page's status line, on the page at `path` (by default the current one); "" clears it. */
  notify(text: string, path?: string): void;
}
