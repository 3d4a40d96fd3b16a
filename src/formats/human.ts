import type { HeraldEvent } from "../events/event";
import type { KeyFieldTable } from "./key-fields";
import { type EventLink, eventLinks, linkTemplateSchema } from "./links";
import { findKeyFields, otherFields, pinnedFieldsSchema, type ShownField } from "./shown-fields";

// What the formats people read (slack, teams, discord, pagerduty) share: the options that pin
// fields and make links, and what they add to the template context.

/** Options of every human format: `fields` pinned first, `link_template` for a link of the operator's. */
export const humanOptionsShape = {
  fields: pinnedFieldsSchema,
  link_template: linkTemplateSchema,
};

export interface HumanOptions {
  fields?: string[] | undefined;
  link_template?: string | undefined;
}

/** What a human format's template sees besides the event and its options. */
export interface HumanContext {
  /** The pinned fields, then the key fields, labelled ("Source IP"). */
  key_fields: ShownField[];
  /** The rest of the data, flattened, labelled by path, in the producer's order. */
  other_fields: ShownField[];
  /** key_fields, then other_fields. */
  fields: ShownField[];
  /** The event's http(s) links, at most five. */
  links: EventLink[];
}

/** The fields and links of `event` for a human format's template; what it left out goes to `warnings`. */
export function humanContext(
  event: HeraldEvent,
  options: HumanOptions,
  table: KeyFieldTable | undefined,
  warnings: string[],
): HumanContext {
  const { key, used } = findKeyFields(event, options.fields, table);
  const other = otherFields(event.data, used);
  return {
    key_fields: key,
    other_fields: other,
    fields: key.concat(other),
    links: eventLinks(event, options.link_template, warnings),
  };
}
