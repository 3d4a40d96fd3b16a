import type { PageProps } from "./page-props";
import { DeliveriesPage } from "./pages/deliveries";
import { DeliveryPage } from "./pages/delivery";
import { EventPage } from "./pages/event";
import { EventsPage } from "./pages/events";
import { IntegrationPage } from "./pages/integration";
import { IntegrationsPage } from "./pages/integrations";
import { KeysPage } from "./pages/keys";
import { FormatTemplatePage, IntegrationTemplatePage } from "./pages/workbench";
import type { Route } from "./router";

/** Every page by its path; the first pattern that matches wins. A new page is one file and a line here. */
export const ROUTES: Route<PageProps>[] = [
  { pattern: "/integrations", page: IntegrationsPage },
  { pattern: "/integrations/new", page: IntegrationPage },
  { pattern: "/integrations/:id", page: IntegrationPage },
  { pattern: "/integrations/:id/template", page: IntegrationTemplatePage },
  { pattern: "/templates", page: FormatTemplatePage },
  { pattern: "/templates/:format", page: FormatTemplatePage },
  { pattern: "/deliveries", page: DeliveriesPage },
  { pattern: "/deliveries/:id", page: DeliveryPage },
  { pattern: "/events", page: EventsPage },
  { pattern: "/events/:source/:id", page: EventPage },
  { pattern: "/keys", page: KeysPage },
];

/** The main navigation: each entry is the path it opens and the paths it stands for. */
export const NAVIGATION: { label: string; path: string; adminOnly?: boolean }[] = [
  { label: "Integrations", path: "/integrations" },
  { label: "Deliveries", path: "/deliveries" },
  { label: "Events", path: "/events" },
  { label: "Templates", path: "/templates" },
  { label: "API keys", path: "/keys", adminOnly: true },
];
