import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SendRequest } from "../../src/destinations/destination";
import { openSenders, type Senders } from "../../src/destinations/registry";
import { HOSTILE_EVENTS } from "../formats/contract/events";
import { allFixtureEvents } from "../support/fixtures";
import { parseRfc5424 } from "../support/parsers/rfc5424";
import {
  DATAGRAM_SIZES,
  type Identity,
  identityInMsg,
  identityOf,
  renderSyslog,
  SYSLOG_FORMATS,
  type SyslogFormatName,
} from "../support/syslog-fitting";
import { type SyslogNgUdp, startSyslogNgUdp, undoNulEscape } from "../support/syslog-ng-udp";

// The proof with a real receiver: every fixture and hostile event, in every syslog format, fitted
// to 480, 1,024 and 2,048 bytes by the syslog destination, sent over real UDP by its sender, and
// parsed by syslog-ng's RFC 5424 parser. A cut inside the structured data would make syslog-ng
// refuse the message ("Error processing log message"), and its id, type, severity and source
// would be missing.

interface Sent {
  label: string;
  format: SyslogFormatName;
  procid: string;
  msgid: string | null;
  /** The identity in the whole (unfitted) message, as the strict parsers read it. */
  expected: Identity;
}

const events = [...allFixtureEvents(), ...HOSTILE_EVENTS];

describe("fitted UDP datagrams through a real syslog-ng", () => {
  let syslogNg: SyslogNgUdp;
  let senders: Senders;

  beforeAll(async () => {
    syslogNg = await startSyslogNgUdp();
    senders = openSenders();
  });

  afterAll(async () => {
    await senders?.closeAll();
    await syslogNg?.cleanup();
  });

  it("every message parses, with the event's id, type, severity and source intact, at 480, 1,024 and 2,048 bytes", async () => {
    const url = `udp://127.0.0.1:${syslogNg.port}`;
    const sent: Sent[] = [];
    for (const { name, event } of events) {
      for (const format of SYSLOG_FORMATS) {
        for (const size of DATAGRAM_SIZES) {
          const procid = `p${process.pid}-${sent.length + 1}`;
          const webhook = { format, url, maxMessageBytes: size, envelope: { procid } };
          const { body } = renderSyslog(webhook, event);
          const whole = renderSyslog({ ...webhook, url: "tcp://127.0.0.1:514" }, event).body;
          const settings = { tls: null, syslog: { framing: "octet-counting", max_message_bytes: size } };
          const outcome = await senders.forKind("syslog").send({
            url,
            method: "POST",
            headers: {},
            body,
            eventCount: 1,
            timeoutMs: 5000,
            connectTimeoutMs: 2000,
            settings,
          } as SendRequest);
          // No warning: the sender's byte cut, the last resort, had nothing to do.
          expect(outcome, `${name}, ${format} at ${size}`).toMatchObject({ success: true, warnings: [] });
          const label = `${name}, ${format} at ${size} bytes`;
          sent.push({
            label,
            format,
            procid,
            msgid: parseRfc5424(body).msgId,
            expected: identityOf(format, whole),
          });
        }
      }
    }

    const byPid = (messages: Awaited<ReturnType<SyslogNgUdp["messages"]>>) =>
      new Map(messages.map((message) => [message.PID, message]));
    const received = byPid(
      await syslogNg.waitFor((messages) => sent.every(({ procid }) => byPid(messages).has(procid))),
    );
    const refused = (await syslogNg.messages()).filter((message) =>
      String(message.MESSAGE).startsWith("Error processing log message"),
    );
    expect(refused.map((message) => String(message.MESSAGE).slice(0, 200))).toEqual([]);

    const failures: string[] = [];
    for (const { label, format, procid, msgid, expected } of sent) {
      const message = received.get(procid);
      if (!message) {
        failures.push(`${label}: not parsed (no message with PROCID ${procid})`);
        continue;
      }
      let actual: Identity;
      try {
        actual =
          format === "syslog"
            ? {
                id: undoNulEscape(message.sd.id),
                type: undoNulEscape(message.sd.type),
                severity: undoNulEscape(message.sd.severity),
                source: undoNulEscape(message.sd.source),
              }
            : identityInMsg(format, undoNulEscape(String(message.MESSAGE)));
      } catch (error) {
        failures.push(`${label}: MSG does not parse: ${(error as Error).message}`);
        continue;
      }
      if (message.MSGID !== (msgid ?? undefined))
        failures.push(`${label}: MSGID ${message.MSGID} ≠ ${msgid}`);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        failures.push(`${label}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toHaveLength(events.length * SYSLOG_FORMATS.length * DATAGRAM_SIZES.length);
  });
});
