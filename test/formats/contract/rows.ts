import { cefRow } from "./cef";
import { discordRow } from "./discord";
import { ecsRow } from "./ecs";
import { jsonRow } from "./json";
import { leefRow } from "./leef";
import { ocsfRow } from "./ocsf";
import { pagerDutyRow } from "./pagerduty";
import type { ContractRow } from "./row";
import { slackRow } from "./slack";
import { splunkHecRow } from "./splunk-hec";
import { syslogRow } from "./syslog";
import { teamsRow } from "./teams";

/**
 * The format contract's table: one row per registered format, by the format's name. A format in
 * the registry (src/formats/registry.ts) without a row here fails test/formats/contract.test.ts.
 */
export const ROWS: Record<string, ContractRow> = {
  json: jsonRow,
  slack: slackRow,
  teams: teamsRow,
  cef: cefRow,
  leef: leefRow,
  syslog: syslogRow,
  splunk_hec: splunkHecRow,
  ocsf: ocsfRow,
  ecs: ecsRow,
  pagerduty: pagerDutyRow,
  discord: discordRow,
};
