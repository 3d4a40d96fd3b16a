import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { type Api, ApiError, createApi, findRole } from "./api";
import { Layout } from "./layout";
import { LoginPage } from "./pages/login";
import { matchRoute, useHashPath } from "./router";
import { ROUTES } from "./routes";
import { forgetKey, storedKey, storeKey } from "./session";
import type { Role } from "./types";
import { ErrorMessage, Page } from "./ui/page";

interface Session {
  api: Api;
  role: Role;
}

const SESSION_ENDED = "The API refused the key (401): it may have been revoked. Log in again.";

/** Why a key cannot be used here, or nothing when it can. */
function refusal(error: unknown): string {
  if (error instanceof ApiError && error.status === 401)
    return `The API does not know this key (401: ${error.message}).`;
  // Too many failed keys from this address: the API's message says how long to wait.
  if (error instanceof ApiError && error.status === 429) return error.message;
  return `Could not reach the API: ${(error as Error).message}`;
}

/** The console: the login page until a key is accepted, then the page the URL's hash names. */
export function App() {
  const path = useHashPath();
  // "checking": a key from earlier in this tab is being tried again.
  const [session, setSession] = useState<Session | "checking" | undefined>(() =>
    storedKey() ? "checking" : undefined,
  );
  const [loginMessage, setLoginMessage] = useState<string>();
  const [notice, setNotice] = useState<{ text: string; path: string }>();

  const end = useCallback((message: string | undefined) => {
    forgetKey();
    setSession(undefined);
    setLoginMessage(message);
  }, []);

  /** Tries `key`: its role, then keeps it. Answers why not, if not. */
  const start = useCallback(
    async (key: string): Promise<string | undefined> => {
      const api = createApi(key, () => end(SESSION_ENDED));
      try {
        const role = await findRole(createApi(key, () => {}));
        if (role === "ingest")
          return "This is an ingest key: it may only post events. Log in with an admin or viewer key.";
        storeKey(key);
        setSession({ api, role });
        return undefined;
      } catch (error) {
        return refusal(error);
      }
    },
    [end],
  );

  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    start(key).then((problem) => problem && end(problem));
  }, [start, end]);

  const notify = useCallback((text: string, at?: string) => setNotice({ text, path: at ?? path }), [path]);
  const matched = useMemo(() => matchRoute(ROUTES, path), [path]);

  if (session === "checking") return <p class="muted">Loading…</p>;
  if (!session) return <LoginPage message={loginMessage} onLogIn={start} />;
  const Current = matched?.route.page;
  return (
    <Layout
      path={path}
      role={session.role}
      notice={notice?.path === path ? notice.text : undefined}
      onLogOut={() => end(undefined)}
    >
      {matched && Current ? (
        <Current key={path} api={session.api} role={session.role} params={matched.params} notify={notify} />
      ) : (
        <Page title="Not found">
          <ErrorMessage error="There is no such page in the console." />
        </Page>
      )}
    </Layout>
  );
}
