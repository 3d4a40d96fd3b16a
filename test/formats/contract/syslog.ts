import { parseRfc5424 } from "../../support/parsers/rfc5424";
import type { ContractRow } from "./row";

const FACILITY_RULE = /facility name .* or a code 0–23/;
const PRINTABLE = /printable US-ASCII/;

/**
 * An RFC 5424 syslog receiver, read by the strict parser: the event in one SD-ELEMENT
 * (herald@32473 by default, its id the "id" param), the title as MSG.
 */
export const syslogRow: ContractRow = {
  options: {},
  contentType: "text/plain; charset=utf-8",
  rejectedOptions: [
    [{ facility: "local9" }, ["facility"], FACILITY_RULE],
    [{ facility: 24 }, ["facility"], FACILITY_RULE],
    [{ facility: -1 }, ["facility"], FACILITY_RULE],
    [{ facility: 1.5 }, ["facility"], FACILITY_RULE],
    [{ hostname: "my host" }, ["hostname"], PRINTABLE],
    [{ app_name: "a".repeat(49) }, ["app_name"], /48/],
    [{ procid: "ünï" }, ["procid"], PRINTABLE],
    [{ msgid: "m".repeat(33) }, ["msgid"], /32/],
    [{ sd_name: "a@b" }, ["sd_name"], /must not contain @/],
    [{ sd_name: "x".repeat(30) }, ["sd_name"], /at most 32 characters/],
    [{ enterprise_number: -1 }, ["enterprise_number"], />=0/],
    [{ bom: "yes" }, ["bom"], /expected boolean/],
    [{ rfc: "3164" }, [], /rfc/],
  ],
  receiverParses(body) {
    const message = parseRfc5424(body);
    const [element, ...others] = message.structuredData;
    if (!element || others.length > 0) throw new Error("the event is not in one SD-ELEMENT");
    const id = element.params.find(([name]) => name === "id")?.[1];
    return [{ id: id ?? null, title: message.msg ?? "" }];
  },
  carriesId: true,
  goldenExtension: "syslog",
};
