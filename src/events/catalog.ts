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
};
