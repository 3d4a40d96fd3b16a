import { expect } from "vitest";
import { SEVERITIES } from "../../../src/events/severity";
import { type ContractRow, isJsonObject, parseObject, stringAt } from "./row";

/** A generic JSON webhook: one object with the event's fields, as templates/json.hbs shapes it. */
export const jsonRow: ContractRow = {
  options: {},
  contentType: "application/json",
  rejectedOptions: [],
  receiverParses(body) {
    const object = parseObject(body);
    expect(Object.keys(object).sort()).toEqual(
      ["data", "event_type", "id", "severity", "source", "time", "title"].sort(),
    );
    for (const key of ["id", "event_type", "source"]) expect(stringAt(object, key)).not.toBe("");
    expect(SEVERITIES).toContain(object.severity);
    expect(Number.isNaN(Date.parse(stringAt(object, "time")))).toBe(false);
    expect(isJsonObject(object.data), "data is a JSON object").toBe(true);
    return [{ id: object.id, title: stringAt(object, "title") }];
  },
  carriesId: true,
  goldenExtension: "json",
};
