import type { PageProps } from "./page-props";
import { IntegrationPage } from "./pages/integration";
import { IntegrationsPage } from "./pages/integrations";
import { KeysPage } from "./pages/keys";
import type { Route } from "./router";

/** Every page by its path; the first pattern that matches wins. A new page is one file and a line here. */
export const ROUTES: Route<PageProps>[] = [
  { pattern: "/integrations", page: IntegrationsPage },
  { pattern: "/integrations/new", page: IntegrationPage },
  { pattern: "/integrations/:id", page: IntegrationPage },
  { pattern: "/keys", page: KeysPage },
];

/** The main navigation: each entry is the path it opens and the paths it stands for. */
export const NAVIGATION: { label: string; path: string; adminOnly?: boolean }[] = [
  { label: "Integrations", path: "/integrations" },
  { label: "API keys", path: "/keys", adminOnly: true },
];
