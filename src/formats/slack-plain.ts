import {
  CLOSE_ARRAY,
  COMMA,
  eachMember,
  isName,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  valueEnd as skip,
  stringEnd,
} from "./json-scan";
import { BLOCK_TEXT_BUDGET, LIMITS, mrkdwnText } from "./slack-limits";

// A message a proven template wrote (src/templates/json-proof.ts) is compact JSON exactly as
// JSON.stringify writes it, whatever the event. Most need nothing from slack.ts's checks and
// slack-limits.ts's cuts but, at most, the fields over max_fields left out, and one pass over the
// text tells: such a message goes out as it is, or with those fields cut out of its text, without
// a parse. The pass reads only what those need (the blocks' types, lists and texts), skipping
// every other value, and measures texts as written, which is never shorter than they are: a
// message within the limits so measured is within them.

/** The message as fitToSlack would send it: as written, or with fields over max_fields left out. */
export interface FittedMessage {
  body: string;
  warnings: string[];
}

/** What the pass has seen of the message and of the block it is in. */
interface Pass {
  json: string;
  maxFields: number;
  /** Units of the texts that count against the budget, so far. */
  units: number;
  blocks: number;
  type: string;
  text: number;
  /** -1: no "fields" array. */
  fields: number;
  /** Each field's text length, in order. */
  fieldTexts: number[];
  /** Where the first field past max_fields − 1 starts, and where the fields' "]" is. */
  fieldsFrom: number;
  fieldsClose: number;
  /** -1: no "elements" array. */
  elements: number;
  elementText: Measure;
  buttonText: Measure;
  /** The item last read: its "text" string's length (-1: none), its text object's text length. */
  itemText: number;
  itemButton: number;
  /** The length of the text object `textObject` read last. */
  lastText: number;
  /** Fields left out, as fitWholly leaves them out. */
  cuts: { from: number; to: number; dropped: number }[];
  warnings: string[];
}

interface Measure {
  units: number;
  longest: number;
}

/**
 * The message parseMessage takes and fitToSlack sends, when fitting it leaves out at most some
 * fields over max_fields (the rules of fitsAsItIs, blockSlots and fitWholly there): blocks, if
 * any, an array of at most 50 objects; no section with an empty "fields"; no context over 10
 * elements, no actions over 25; every text within its limit and all within the budget, the fields
 * left out not counted and their "_+N more_" counted. Undefined when it cannot tell: the message
 * is then parsed and fitted as every message was.
 */
export function slackFitted(json: string, maxFields: number): FittedMessage | undefined {
  const pass: Pass = {
    json,
    maxFields,
    units: 0,
    blocks: 0,
    type: "",
    text: 0,
    fields: -1,
    fieldTexts: [],
    fieldsFrom: -1,
    fieldsClose: -1,
    elements: -1,
    elementText: { units: 0, longest: 0 },
    buttonText: { units: 0, longest: 0 },
    itemText: -1,
    itemButton: 0,
    lastText: 0,
    cuts: [],
    warnings: [],
  };
  const end = eachMember(pass, 0, messageMember);
  if (end !== json.length || pass.units > BLOCK_TEXT_BUDGET) return undefined;
  if (pass.cuts.length === 0) return { body: json, warnings: pass.warnings };
  let body = "";
  let from = 0;
  for (const cut of pass.cuts) {
    body += json.slice(from, cut.from) + JSON.stringify(mrkdwnText(`_+${cut.dropped} more_`));
    from = cut.to;
  }
  return { body: body + json.slice(from), warnings: pass.warnings };
}

/** The message's members: its text, its blocks; the rest skipped. */
function messageMember(pass: Pass, nameStart: number, nameEnd: number, at: number): number {
  const { json } = pass;
  if (isName(json, nameStart, nameEnd, "text") && json.charCodeAt(at) === QUOTE) {
    const end = stringEnd(json, at);
    return end === -1 || end - at - 1 > LIMITS.messageText ? -1 : end + 1;
  }
  if (!isName(json, nameStart, nameEnd, "blocks")) return skip(json, at);
  if (json.charCodeAt(at) !== OPEN_ARRAY) return -1;
  let next = at + 1;
  if (json.charCodeAt(next) === CLOSE_ARRAY) return next + 1;
  for (;;) {
    if (++pass.blocks > LIMITS.blocks || json.charCodeAt(next) !== OPEN_OBJECT) return -1;
    pass.type = "";
    pass.text = 0;
    pass.fields = -1;
    pass.fieldTexts = [];
    pass.fieldsFrom = -1;
    pass.elements = -1;
    reset(pass.elementText);
    reset(pass.buttonText);
    const end = eachMember(pass, next, blockMember);
    if (end === -1 || !countBlock(pass)) return -1;
    const after = json.charCodeAt(end);
    if (after === CLOSE_ARRAY) return end + 1;
    if (after !== COMMA) return -1;
    next = end + 1;
  }
}

/** A block's members: its type, its text object, its fields or elements; the rest skipped. */
function blockMember(pass: Pass, nameStart: number, nameEnd: number, at: number): number {
  const { json } = pass;
  const name = json.slice(nameStart + 1, nameEnd);
  if (name === "type" && json.charCodeAt(at) === QUOTE) {
    const end = stringEnd(json, at);
    pass.type = end === -1 ? "" : json.slice(at + 1, end);
    return end === -1 ? -1 : end + 1;
  }
  if (name === "text") {
    const end = textObject(pass, at);
    pass.text = pass.lastText;
    return end;
  }
  if ((name !== "fields" && name !== "elements") || json.charCodeAt(at) !== OPEN_ARRAY) return skip(json, at);
  const fields = name === "fields";
  if (!fields) {
    reset(pass.elementText);
    reset(pass.buttonText);
  }
  let count = 0;
  let next = at + 1;
  if (json.charCodeAt(next) !== CLOSE_ARRAY) {
    for (;;) {
      // More elements than any block takes would be cut: that is left to fitting.
      if (!fields && count === LIMITS.actionElements) return -1;
      if (fields && count === pass.maxFields - 1) pass.fieldsFrom = next;
      count++;
      pass.itemText = -1;
      pass.itemButton = 0;
      const end =
        json.charCodeAt(next) === OPEN_OBJECT ? eachMember(pass, next, itemMember) : skip(json, next);
      if (end === -1) return -1;
      if (fields) {
        pass.fieldTexts.push(Math.max(pass.itemText, 0));
      } else {
        if (pass.itemText >= 0) add(pass.elementText, pass.itemText);
        add(pass.buttonText, pass.itemButton);
      }
      if (json.charCodeAt(end) === CLOSE_ARRAY) {
        next = end;
        break;
      }
      if (json.charCodeAt(end) !== COMMA) return -1;
      next = end + 1;
    }
  }
  if (fields) {
    pass.fields = count;
    pass.fieldsClose = next;
  } else {
    pass.elements = count;
  }
  return next + 1;
}

/**
 * An item of fields or elements: its "text" measured as a text (fields, context elements) when a
 * string, as a text object (an actions element's button text) when an object.
 */
function itemMember(pass: Pass, nameStart: number, nameEnd: number, at: number): number {
  const { json } = pass;
  if (!isName(json, nameStart, nameEnd, "text")) return skip(json, at);
  if (json.charCodeAt(at) === QUOTE) {
    const end = stringEnd(json, at);
    pass.itemText = end - at - 1;
    return end === -1 ? -1 : end + 1;
  }
  const end = textObject(pass, at);
  pass.itemButton = pass.lastText;
  return end;
}

/** A text object at `at` (its "text" string's length in pass.lastText, 0 for anything else). */
function textObject(pass: Pass, at: number): number {
  pass.lastText = 0;
  if (pass.json.charCodeAt(at) !== OPEN_OBJECT) return skip(pass.json, at);
  return eachMember(pass, at, textMember);
}

function textMember(pass: Pass, nameStart: number, nameEnd: number, at: number): number {
  const { json } = pass;
  if (!isName(json, nameStart, nameEnd, "text") || json.charCodeAt(at) !== QUOTE) return skip(json, at);
  const end = stringEnd(json, at);
  pass.lastText = end - at - 1;
  return end === -1 ? -1 : end + 1;
}

/**
 * Adds a block's texts to the budget, and a section's fields over max_fields to the cuts; false
 * when a list is over its count or a text over its limit.
 */
function countBlock(pass: Pass): boolean {
  const { type, text, fields, elements, elementText, buttonText, maxFields } = pass;
  switch (type) {
    case "header":
      pass.units += text;
      return text <= LIMITS.headerText;
    case "section": {
      pass.units += text;
      if (fields === -1) return text <= LIMITS.sectionText;
      // fitWholly drops an empty "fields" (Slack refuses it): left to fitting.
      if (fields === 0) return false;
      const kept = fields > maxFields ? pass.fieldTexts.slice(0, maxFields - 1) : pass.fieldTexts;
      if (fields > maxFields) {
        const dropped = fields - kept.length;
        kept.push(`_+${dropped} more_`.length);
        pass.cuts.push({ from: pass.fieldsFrom, to: pass.fieldsClose, dropped });
        pass.warnings.push(
          `blocks[${pass.blocks - 1}].fields: ${dropped} left out, max_fields is ${maxFields}`,
        );
      }
      let longest = 0;
      for (const length of kept) {
        pass.units += length;
        longest = Math.max(longest, length);
      }
      return text <= LIMITS.sectionText && longest <= LIMITS.fieldText;
    }
    case "context":
      if (elements === -1) return true;
      pass.units += elementText.units;
      return elements <= LIMITS.contextElements && elementText.longest <= LIMITS.contextText;
    case "actions":
      if (elements === -1) return true;
      pass.units += buttonText.units;
      return elements <= LIMITS.actionElements && buttonText.longest <= LIMITS.buttonText;
    default:
      return true;
  }
}

function reset(measure: Measure): void {
  measure.units = 0;
  measure.longest = 0;
}

function add(measure: Measure, length: number): void {
  measure.units += length;
  if (length > measure.longest) measure.longest = length;
}
