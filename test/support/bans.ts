/** 250 documentation addresses (RFC 5737), the default client IPs of `bans`. */
const MANY_IPS = Array.from({ length: 250 }, (_, n) => `203.0.113.${n}`);

/**
 * `count` auto_ban events of website-defender, numbered in `data.n` from `from`, each event's
 * client IP taken round-robin from `ips` by its number: event n has the same IP in every call.
 */
export function bans(
  count: number,
  { from = 0, ips = MANY_IPS }: { from?: number; ips?: readonly string[] } = {},
) {
  return Array.from({ length: count }, (_, i) => ({
    type: "auto_ban",
    source: "website-defender",
    severity: "high",
    title: `ban ${from + i}`,
    data: { n: from + i, client_ip: ips[(from + i) % ips.length] as string },
  }));
}
