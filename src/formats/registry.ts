import { cefFormat } from "./cef";
import { discordFormat } from "./discord";
import { ecsFormat } from "./ecs";
import type { Format } from "./format";
import { jsonFormat } from "./json";
import { leefFormat } from "./leef";
import { ocsfFormat } from "./ocsf";
import { pagerDutyFormat } from "./pagerduty";
import { slackFormat } from "./slack";
import { splunkHecFormat } from "./splunk-hec";
import { syslogFormat } from "./syslog";
import { teamsFormat } from "./teams";

/** Every format Herald can render, by wire name. A new format is one module and one line here. */
export const FORMATS = [
  jsonFormat,
  slackFormat,
  teamsFormat,
  cefFormat,
  leefFormat,
  syslogFormat,
  splunkHecFormat,
  ocsfFormat,
  ecsFormat,
  pagerDutyFormat,
  discordFormat,
] as Format<never>[];

export function findFormat(name: string): Format<unknown> | undefined {
  return FORMATS.find((format) => format.name === name) as Format<unknown> | undefined;
}
