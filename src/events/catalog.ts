/**
 * The event types Herald knows, with what each means. Producers may post other types; they
 * reach wildcard subscribers unless the catalog is strict. Operators extend it in config.
 */
export type EventCatalog = Record<string, string>;

export const DEFAULT_EVENT_CATALOG: EventCatalog = {
  // Website Defender and other intrusion / bot defenders
  auto_ban: "A client was banned automatically after tripping a rule (client_ip, reason, banned_for)",
  brute_force: "Repeated failed logins from one client (client_ip, attempts, path)",
  scan_detected: "A vulnerability scanner or crawler was detected probing the site",
  // Wallarm and other WAFs
  hit: "A WAF detected a malicious request (attack type, payload, source address)",
  vulnerability: "A WAF or scanner found a vulnerability in a protected application",
  system: "A WAF system notification (node state, configuration, licence)",
  scope_changed: "The scope of protected or scanned assets changed",
  // Pentest platforms
  finding_added: "A new finding was recorded in an engagement",
  finding_verified: "A finding was verified as exploitable",
  critical_finding: "A finding of critical severity was recorded",
  phase_changed: "An engagement moved to another phase",
  engagement_completed: "An engagement was completed",
  report_ready: "A report is ready for download",
  // Attack-surface monitoring
  surface_changed: "The monitored attack surface changed (new host, port or certificate)",
  monitor_alert: "A monitor raised an alert",
  // Mail servers and identity providers
  "auth.success": "A login succeeded",
  "auth.failed": "A login failed (account, remote_ip, mechanism)",
  "auth.locked": "An account was locked after failed logins",
  "mail.rejected": "A message was rejected by policy (spam, malware, DMARC)",
  "mail.quarantined": "A message was quarantined",
  // Herald itself
  test: "A test delivery sent from the API or dashboard",
  "herald.webhook.failing":
    "A webhook reached 50, 75 or 90 % of the failure threshold (webhook_id, webhook_name, failure_count, failure_threshold, percent, last_error)",
  "herald.webhook.disabled":
    "Herald disabled a webhook: failure threshold, or its receiver said the destination is gone (webhook_id, webhook_name, reason, disabled_by, failure_count)",
  "herald.webhook.recovered":
    "A webhook that was failing, or switched back on after failing, delivered again (webhook_id, webhook_name, failures_before)",
  "herald.delivery.dead":
    "Deliveries to a webhook gave up (webhook_id, webhook_name, count, last_error, deliveries: delivery_id, event_id, event_type, attempts, error)",
  "herald.queue.backlog":
    "A webhook's oldest queued delivery is older than HERALD_BACKLOG_ALERT_S (webhook_id, webhook_name, oldest_delivery_id, oldest_age_s, queued)",
};

/** The source of the events Herald emits about itself (herald.*, delivery/operator-events.ts). */
export const HERALD_SOURCE = "herald";

/** What the data of each of Herald's own events looks like: for documentation and previews. */
export const OPERATOR_EVENT_EXAMPLES: Record<string, Record<string, unknown>> = {
  "herald.webhook.failing": {
    webhook_id: "5b0c8e0e-4a43-4c1e-9d56-0d3c1f2a9b10",
    webhook_name: "SOC Slack",
    failure_count: 25,
    failure_threshold: 50,
    percent: 50,
    last_error: "HTTP 503",
  },
  "herald.webhook.disabled": {
    webhook_id: "5b0c8e0e-4a43-4c1e-9d56-0d3c1f2a9b10",
    webhook_name: "SOC Slack",
    reason:
      "the receiver says the destination no longer exists: Slack answered channel_is_archived: the channel is archived",
    disabled_by: "herald (receiver: destination gone)",
    failure_count: 1,
    failure_threshold: 50,
  },
  "herald.webhook.recovered": {
    webhook_id: "5b0c8e0e-4a43-4c1e-9d56-0d3c1f2a9b10",
    webhook_name: "SOC Slack",
    failures_before: 31,
  },
  "herald.delivery.dead": {
    webhook_id: "5b0c8e0e-4a43-4c1e-9d56-0d3c1f2a9b10",
    webhook_name: "SOC Slack",
    count: 1,
    last_error: "HTTP 500",
    deliveries: [
      {
        delivery_id: "0f9a3c55-7f1e-4a8e-b7a2-3d4c5e6f7a8b",
        event_id: "evt-2041",
        event_type: "auth.failed",
        attempts: 11,
        error: "HTTP 500",
      },
    ],
  },
  "herald.queue.backlog": {
    webhook_id: "5b0c8e0e-4a43-4c1e-9d56-0d3c1f2a9b10",
    webhook_name: "SOC Slack",
    oldest_delivery_id: "0f9a3c55-7f1e-4a8e-b7a2-3d4c5e6f7a8b",
    oldest_age_s: 960,
    backlog_alert_s: 900,
    queued: 1204,
  },
};
