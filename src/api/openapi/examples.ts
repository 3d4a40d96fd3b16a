/**
 * Events copied from ../shared/fixtures/events, for the OpenAPI examples (a user's install has no
 * ../shared): test/api/openapi.test.ts checks they still equal the fixture files.
 */
export const FIXTURE_EVENTS = {
  "website-defender-auto-ban": {
    id: "wd-2026-02-20-000123",
    type: "auto_ban",
    source: "website-defender",
    severity: "high",
    time: "2026-02-20T10:30:00Z",
    title: "192.168.1.100 auto-banned for 1h",
    data: { client_ip: "192.168.1.100", reason: "excessive 4xx responses", banned_for: "1h" },
  },
  "pentest-critical-finding": {
    id: "finding-7f3a",
    type: "critical_finding",
    source: "pentest-platform",
    severity: "critical",
    time: "2026-03-02T16:45:09.123+01:00",
    title: "Unauthenticated RCE in /api/upload",
    data: {
      engagement: "ACME external 2026-Q1",
      finding_id: "F-0042",
      cvss: 9.8,
      cwe: "CWE-434",
      asset: "https://app.acme.example/api/upload",
      verified: true,
      poc: "curl -F 'file=@shell.php' https://app.acme.example/api/upload",
    },
  },
  "mailserver-auth-failed": {
    id: "12345",
    type: "auth.failed",
    source: "mail.example.org",
    severity: "medium",
    time: "2023-06-21T14:55:00Z",
    title: "Authentication failure for account 'alice'",
    data: { account: "alice", remote_ip: "198.51.100.23", mechanism: "PLAIN", listener: "imaps" },
  },
};

/** The fixture events as OpenAPI `examples`, each under its fixture name. */
export function eventExamples() {
  return Object.fromEntries(
    Object.entries(FIXTURE_EVENTS).map(([name, event]) => [name, { summary: event.title, value: event }]),
  );
}

/** Webhooks as the README's first steps create them. */
export const WEBHOOK_EXAMPLES = {
  soc: {
    summary: "Generic JSON, signed, for two kinds of event",
    value: {
      name: "soc",
      url: "https://receiver.example/hook",
      secret: "whsec_c2VjcmV0LXNpZ25pbmcta2V5LTMyLWJ5dGVzISE=",
      event_types: ["auto_ban", "auth.*"],
    },
  },
};
