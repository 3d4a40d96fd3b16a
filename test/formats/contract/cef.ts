import { parseCef } from "../../support/parsers/cef";
import type { ContractRow } from "./row";

/** A CEF receiver (ArcSight and the SIEMs that read CEF): one line, read by the strict parser. */
export const cefRow: ContractRow = {
  options: {},
  contentType: "text/plain; charset=utf-8",
  rejectedOptions: [
    [{ severity_map: { critical: 11 } }, ["severity_map", "critical"], /<=10/],
    [{ severity_map: { low: 2.5 } }, ["severity_map", "low"], /expected int/],
    [{ severity_map: { urgent: 9 } }, ["severity_map"], /urgent/],
    [{ device_vendor: "v".repeat(64) }, ["device_vendor"], /63/],
    [{ device_version: "1".repeat(32) }, ["device_version"], /31/],
    [{ device_product: "a\nb" }, ["device_product"], /^must be a single line$/],
    [{ vendor: "x" }, [], /vendor/],
  ],
  receiverParses(body) {
    const cef = parseCef(body);
    return [{ id: cef.extension.externalId ?? null, title: cef.name }];
  },
  carriesId: true,
  goldenExtension: "cef",
};
