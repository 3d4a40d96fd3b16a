import { readFileSync } from "node:fs";
import { isIPv4, isIPv6 } from "node:net";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { expect } from "vitest";
import { type ContractRow, parseObject } from "./row";

const SCHEMA = JSON.parse(
  readFileSync(
    join(import.meta.dirname, "..", "..", "support", "schemas", "ocsf-detection-finding.schema.json"),
    "utf8",
  ),
);

const ajv = new Ajv2020({ allErrors: true });
ajv.addFormat("ipv4", isIPv4);
ajv.addFormat("ipv6", isIPv6);
const validate = ajv.compile(SCHEMA);

/** Ajv's errors for `finding`, as text; empty when the OCSF schema accepts it. */
export function schemaErrors(finding: unknown): string[] {
  return validate(finding) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** An OCSF 1.3.0 consumer: one Detection Finding, valid for the class's JSON schema. */
export const ocsfRow: ContractRow = {
  options: {},
  contentType: "application/json",
  rejectedOptions: [
    [{ product_name: "" }, ["product_name"], /product_name must not be empty/],
    [{ vendor_name: 42 }, ["vendor_name"], /vendor_name must be a string/],
    [{ vendor_name: "v".repeat(257) }, ["vendor_name"], /vendor_name must be at most 256 characters/],
    [{ metadata_version: "1.4.0" }, [], /metadata_version/],
  ],
  receiverParses(body) {
    const finding = parseObject(body);
    expect(schemaErrors(finding)).toEqual([]);
    return [{ id: finding.finding_info.uid, title: finding.finding_info.title }];
  },
  carriesId: true,
  goldenExtension: "json",
};
