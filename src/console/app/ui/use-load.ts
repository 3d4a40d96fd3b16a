import { useCallback, useEffect, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  /** Loads again, keeping what is shown until the new answer is in. */
  reload(): void;
}

/**
 * What `load` answers, loaded again whenever `deps` (what `load` reads, as for useEffect) change;
 * an answer that came too late is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error }>({});
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setState({ data }),
      (error: Error) => current && setState({ error }),
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((count) => count + 1), []);
  return { data: state.data, error: state.error, reload };
}
