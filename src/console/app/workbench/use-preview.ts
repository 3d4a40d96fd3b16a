import { useEffect, useState } from "preact/hooks";
import { type Api, ApiError } from "../api";
import type { Issue, Preview } from "../types";
import type { PreviewRequest } from "./preview-request";

/** How long typing must pause before the preview is asked for. */
export const PREVIEW_DELAY_MS = 300;

export interface PreviewState {
  /** The last preview the API rendered; kept while a newer request is refused or on its way. */
  preview: Preview | undefined;
  /** Whether `preview` is of what is in the editor now. */
  current: boolean;
  /** Why the latest request was refused: the API's 422 issues, or what was wrong before sending. */
  issues: Issue[];
  /** A failure other than a refusal (the API unreachable). */
  failure: string | undefined;
}

/**
 * The preview of `request`, asked for once it has not changed for PREVIEW_DELAY_MS. A newer
 * request cancels the one on its way, so an old answer never replaces a newer one.
 */
export function usePreview(api: Api, request: PreviewRequest): PreviewState {
  const [state, setState] = useState<PreviewState>({
    preview: undefined,
    current: false,
    issues: [],
    failure: undefined,
  });
  const key = JSON.stringify(request);

  useEffect(() => {
    setState((last) => ({ ...last, current: false }));
    if ("issues" in request) {
      setState((last) => ({ ...last, issues: request.issues, failure: undefined }));
      return;
    }
    const controller = new AbortController();
    const answered = (next: Partial<PreviewState>) => {
      if (!controller.signal.aborted)
        setState((last) => ({ ...last, issues: [], failure: undefined, ...next }));
    };
    const timer = setTimeout(() => {
      api.send<Preview>("POST", "/preview", request.body, controller.signal).then(
        (preview) => answered({ preview, current: true }),
        (error: Error) => {
          if (error.name === "AbortError") return;
          if (error instanceof ApiError && error.status === 422) {
            const { issues, message } = error;
            answered({ issues: issues.length > 0 ? issues : [{ path: "", message }] });
          } else answered({ failure: error.message });
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, key]);

  return state;
}
