import { type RenderSettings, renderForWebhook } from "../../../src/delivery/render";
import type { HeraldEvent } from "../../../src/events/event";
import { fixtureEvent } from "../../support/fixtures";
import { engine, NOW } from "../../support/render";

// What the digest suites share: a grouping webhook, and a group of auto-ban events.

/** The client IPs of the 37 bans and how many each has. */
export const BANNED = [
  ["192.168.1.100", 20],
  ["192.168.1.101", 10],
  ["192.168.1.102", 7],
] as const;

/**
 * 37 auto_ban events from website-defender, built from its fixture: 20, 10 and 7 from three
 * client IPs, mixed, one every 1⅔ s from 10:30:00 to 10:31:00, oldest first.
 */
export function autoBans(): HeraldEvent[] {
  const base = fixtureEvent("website-defender-auto-ban");
  const ips = BANNED.flatMap(([ip, count]) => Array<string>(count).fill(ip));
  // 17 and 37 are coprime: (i × 17) mod 37 visits every index once, which mixes the IPs.
  return ips.map((_, i) => {
    const ip = ips[(i * 17) % ips.length] as string;
    return {
      ...base,
      id: `wd-2026-02-20-${String(i).padStart(6, "0")}`,
      time: new Date(Date.parse(base.time) + Math.round((i * 60_000) / 36)).toISOString(),
      title: `${ip} auto-banned for 1h`,
      data: { ...base.data, client_ip: ip },
    };
  });
}

/** A webhook of `format` over HTTP; grouping by `by` unless null. */
export function webhookOf(
  format: string,
  options: Record<string, unknown> = {},
  by: string[] | null = ["type"],
  template: string | null = null,
): RenderSettings {
  return {
    format,
    options,
    template,
    destination: { kind: "http" },
    url: "https://receiver.example/hook",
    flow: by === null ? {} : { group: { by } },
  };
}

/** What the webhook sends for `events`, as the delivery engine renders it. */
export function send(webhook: RenderSettings, events: HeraldEvent[], suppressed = 0) {
  return renderForWebhook(webhook, events, engine, NOW, 1024 * 1024, undefined, suppressed);
}
