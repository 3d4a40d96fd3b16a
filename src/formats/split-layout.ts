import { MAX_PARTS } from "./limit-policy";

// How limit_policy split spreads a message over several: the format turns its message into units
// (blocks placed whole, groups of fields and their fields), this lays them out in parts, each
// within its receiver's budget, and the format builds each part's message from the layout.

/**
 * What the message is made of, in order. A block is placed whole (Slack: an actions block). A
 * group opens a container that the fields after it fill (a Slack section, a Teams FactSet, a
 * Discord embed); when it is full, or the part is, a container continuing the group holds the rest.
 * `cost` is what it takes of a part's budget (characters or bytes).
 */
export type Unit =
  | { kind: "block"; cost: number }
  | { kind: "group"; cost: number }
  | { kind: "field"; cost: number };

/** What one part may hold: its budget, and how many containers (Slack blocks, Discord embeds). */
export interface PartRoom {
  budget: number;
  containers: number;
}

export interface LayoutRules {
  /** The room of part `index` (0 is the first), its repeated head and label already taken off. */
  room(index: number): PartRoom;
  /** The most fields a container holds. */
  perContainer: number;
  /** What a container continuing a group costs besides its fields. */
  continuationCost: number;
}

/** A container of a part: a block, a group, or the continuation of a group, with its fields. */
export interface Placed {
  /** The index of the block or group unit; -1 for fields before any group. */
  unit: number;
  continued: boolean;
  /** The indices of the field units it holds, in order. */
  fields: number[];
}

/**
 * The units in parts, in order: each part as full as its room allows. A unit bigger than an
 * empty part's room still gets a part of its own; the format cuts texts beforehand so none is.
 */
export function layoutParts(units: readonly Unit[], rules: LayoutRules): Placed[][] {
  const parts: Placed[][] = [[]];
  let used = 0;
  let containers = 0;
  let open: Placed | undefined;
  let group = -1;

  const fits = (cost: number, opens: number) => {
    const room = rules.room(parts.length - 1);
    return used + cost <= room.budget && containers + opens <= room.containers;
  };
  /** Opens a container, in a new part when this one has no room for it and `need` (its first content). */
  const place = (placed: Placed, cost: number, need: number) => {
    if (!fits(need, 1) && (parts.at(-1)?.length ?? 0) > 0) {
      parts.push([]);
      used = 0;
      containers = 0;
    }
    parts.at(-1)?.push(placed);
    used += cost;
    containers += 1;
    open = placed;
  };

  for (const [index, unit] of units.entries()) {
    if (unit.kind === "field") {
      if (open && open.unit === group && open.fields.length < rules.perContainer && fits(unit.cost, 0)) {
        open.fields.push(index);
        used += unit.cost;
      } else {
        const cost = rules.continuationCost + unit.cost;
        place({ unit: group, continued: true, fields: [index] }, cost, cost);
      }
      continue;
    }
    // A group keeps its first field with it, rather than end a part without any.
    const next = units[index + 1];
    const need = unit.cost + (unit.kind === "group" && next?.kind === "field" ? next.cost : 0);
    place({ unit: index, continued: false, fields: [] }, unit.cost, need);
    group = unit.kind === "group" ? index : -1;
    if (unit.kind === "block") open = undefined;
  }
  return parts;
}

/** At most MAX_PARTS parts, and how many fields the ones left out held. */
export function capParts(parts: Placed[][]): { parts: Placed[][]; leftOut: number } {
  const dropped = parts.slice(MAX_PARTS);
  const leftOut = dropped.flat().reduce((sum, placed) => sum + placed.fields.length, 0);
  return { parts: parts.slice(0, MAX_PARTS), leftOut };
}

/** The warning for parts left out. */
export function partsLeftOut(parts: number, fields: number): string {
  return `limit_policy split: ${parts - MAX_PARTS} more messages (${fields} fields) left out, at most ${MAX_PARTS} are sent`;
}
