import type { ComponentChildren } from "preact";
import { href } from "./router";
import { NAVIGATION } from "./routes";
import type { Role } from "./types";

/** The frame around every page once logged in: navigation, the key's role, Log out, the status line. */
export function Layout({
  path,
  role,
  notice,
  onLogOut,
  children,
}: {
  path: string;
  role: Role;
  notice: string | undefined;
  onLogOut(): void;
  children: ComponentChildren;
}) {
  const entries = NAVIGATION.filter((entry) => !entry.adminOnly || role === "admin");
  return (
    <>
      <header class="top">
        <a class="brand" href={href("/integrations")}>
          Herald
        </a>
        <nav aria-label="Main">
          <ul>
            {entries.map((entry) => {
              const current = path === entry.path || path.startsWith(`${entry.path}/`);
              return (
                <li key={entry.path}>
                  <a href={href(entry.path)} aria-current={current ? "page" : undefined}>
                    {entry.label}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
        <span class="who">Role: {role}</span>
        <button type="button" onClick={onLogOut}>
          Log out
        </button>
      </header>
      <main>
        <div role="status" class="notice">
          {notice || null}
        </div>
        {children}
      </main>
    </>
  );
}
