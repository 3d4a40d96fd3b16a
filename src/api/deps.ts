import type { Config } from "../config";
import type { DeliveryEngine } from "../delivery/engine";
import type { EventCatalog } from "../events/catalog";
import type { GatewayMetrics } from "../metrics";
import type { RenderPool } from "../rendering/pool";
import type { Db } from "../store/db";
import type { Role } from "../store/keys";
import type { TemplateEngine } from "../templates/handlebars";

/** Everything the API needs, passed in: no module-level state, so tests can run several gateways. */
export interface ApiDeps {
  db: Db;
  config: Config;
  /** Only for the default templates' text; every compile and render goes through `renderer`. */
  templates: TemplateEngine;
  renderer: RenderPool;
  engine: DeliveryEngine;
  catalog: EventCatalog;
  /** The gateway's registry (GET /metrics) and what records ingested events. */
  metrics: GatewayMetrics;
  now: () => Date;
}

export interface Principal {
  role: Role;
  /** The key's name, or "bootstrap" for HERALD_ADMIN_TOKEN. */
  name: string;
}

export type AppEnv = { Variables: { principal: Principal } };
