import { parseLeef } from "../../support/parsers/leef";
import type { ContractRow, RejectedOptions } from "./row";

const DELIMITER_RULE = /must be one character, or its hex code/;

/** A LEEF receiver (QRadar): one line, read by the strict parser. */
export const leefRow: ContractRow = {
  options: {},
  contentType: "text/plain; charset=utf-8",
  rejectedOptions: [
    ...["ab", "x", "=", " ", "\n", "x0A", "0x3D", "7", ""].map(
      (delimiter): RejectedOptions => [{ delimiter }, ["delimiter"], DELIMITER_RULE],
    ),
    [{ version: "1.0", delimiter: "^" }, ["delimiter"], /LEEF 1.0 always separates attributes with a tab/],
    [{ severity_map: { info: 0 } }, ["severity_map", "info"], />=1/],
    [{ vendor: "A|B" }, ["vendor"], /\|/],
    [{ version: "3.0" }, ["version"], /"2.0"\|"1.0"/],
  ],
  receiverParses(body) {
    const leef = parseLeef(body);
    return [{ id: leef.attributes.id ?? null, title: leef.attributes.title ?? "" }];
  },
  carriesId: true,
  goldenExtension: "leef",
};
