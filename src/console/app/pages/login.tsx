import { useState } from "preact/hooks";

/**
 * Log in with an API key. `onLogIn` answers why the key was not taken, if it was not; the key is
 * kept (in sessionStorage) only once the API has accepted it.
 */
export function LoginPage({
  message,
  onLogIn,
}: {
  message: string | undefined;
  onLogIn(key: string): Promise<string | undefined>;
}) {
  const [key, setKey] = useState("");
  const [problem, setProblem] = useState(message);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const typed = key.trim();
    if (!typed) {
      setProblem("Enter an API key.");
      return;
    }
    setBusy(true);
    setProblem(await onLogIn(typed));
    setBusy(false);
  }

  return (
    <main class="login">
      <h1>Herald console</h1>
      <form onSubmit={submit} noValidate>
        {problem && (
          <p role="alert" class="error" id="login-problem">
            {problem}
          </p>
        )}
        <div class="field">
          <label for="api-key">API key</label>
          <input
            id="api-key"
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={key}
            aria-describedby={problem ? "api-key-hint login-problem" : "api-key-hint"}
            onInput={(event) => setKey(event.currentTarget.value)}
          />
          <p id="api-key-hint" class="hint">
            The admin key Herald printed at its first start, or a key an admin created. It is kept in this tab
            only, until you log out or close it.
          </p>
        </div>
        <button type="submit" class="primary" disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  );
}
