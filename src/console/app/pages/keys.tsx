import { useState } from "preact/hooks";
import type { PageProps } from "../page-props";
import type { ApiKey, List, Role } from "../types";
import { ConfirmDialog } from "../ui/confirm";
import { ErrorMessage, Loading, Page, Time } from "../ui/page";
import { useLoad } from "../ui/use-load";

const ROLES: Role[] = ["viewer", "admin", "ingest"];

/** A key just created: shown this once, with a button that copies it. */
function NewKey({ created }: { created: ApiKey & { key: string } }) {
  const [copied, setCopied] = useState<string>();
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied("Copied.");
    } catch {
      setCopied("Could not copy: select the key and copy it.");
    }
  }
  return (
    <section class="new-key" aria-labelledby="new-key-title">
      <h2 id="new-key-title">
        New {created.role} key “{created.name}”
      </h2>
      <p>This is the only time the key is shown: copy it now.</p>
      <div class="copy">
        <label for="new-key-value">API key</label>
        <input
          id="new-key-value"
          readOnly
          value={created.key}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" onClick={copy}>
          Copy key
        </button>
      </div>
      <p role="status">{copied}</p>
    </section>
  );
}

/** API keys (admin): create one (shown once), list them, revoke one. */
export function KeysPage({ api, role, notify }: PageProps) {
  const keys = useLoad(
    () => (role === "admin" ? api.get<List<ApiKey>>("/keys") : Promise.resolve({ data: [] })),
    [api, role],
  );
  const [name, setName] = useState("");
  const [newRole, setNewRole] = useState<Role>("viewer");
  const [created, setCreated] = useState<ApiKey & { key: string }>();
  const [revoking, setRevoking] = useState<ApiKey>();
  const [failure, setFailure] = useState<Error>();
  const [busy, setBusy] = useState(false);

  if (role !== "admin") {
    return (
      <Page title="API keys">
        <ErrorMessage error="Only an admin key may see and manage API keys." />
      </Page>
    );
  }

  async function act(action: () => Promise<void>) {
    setBusy(true);
    setFailure(undefined);
    notify("");
    try {
      await action();
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  }
  const create = (event: Event) => {
    event.preventDefault();
    return act(async () => {
      setCreated(await api.send<ApiKey & { key: string }>("POST", "/keys", { name, role: newRole }));
      setName("");
      keys.reload();
    });
  };
  const revoke = (key: ApiKey) =>
    act(async () => {
      setRevoking(undefined);
      await api.send("DELETE", `/keys/${encodeURIComponent(key.id)}`);
      notify(`Key “${key.name}” revoked.`);
      keys.reload();
    });

  return (
    <Page title="API keys">
      <form class="inline" onSubmit={create}>
        <div class="field">
          <label for="key-name">Name</label>
          <input
            id="key-name"
            value={name}
            autocomplete="off"
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="key-role">Role</label>
          <select
            id="key-role"
            value={newRole}
            onChange={(event) => setNewRole(event.currentTarget.value as Role)}
          >
            {ROLES.map((each) => (
              <option key={each} value={each}>
                {each}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="primary" disabled={busy}>
          Create key
        </button>
      </form>
      {failure && <ErrorMessage error={failure} />}
      {created && <NewKey key={created.id} created={created} />}
      {keys.error && <ErrorMessage error={keys.error} />}
      {!keys.data && !keys.error && <Loading />}
      {keys.data?.data.length === 0 && <p>No API keys yet (the bootstrap token is not one).</p>}
      {keys.data && keys.data.data.length > 0 && (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Prefix</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.data.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>{key.role}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>
                  <Time iso={key.created_at} />
                </td>
                <td>
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Revoke ${key.name}`}
                    onClick={() => setRevoking(key)}
                    disabled={busy}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revoking && (
        <ConfirmDialog
          title="Revoke this key?"
          confirmLabel="Revoke"
          onConfirm={() => revoke(revoking)}
          onCancel={() => setRevoking(undefined)}
        >
          <p>
            Requests with the {revoking.role} key “{revoking.name}” will be refused from now on. This cannot
            be undone.
          </p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
