import type { Issue, JsonObject, JsonSchema } from "../types";
import { classify } from "./classify";
import { isObject } from "./json";

// A 422's issues name fields by path ("url", "options.max_fields", "destination.auth.token",
// "event_types.2"). Each goes beside the field that shows that path; one no field shows goes at
// the top of the form.

/** A field as it claims issues: an input takes those at and under its path, a group only its own. */
export interface Claim {
  path: string;
  group: boolean;
}

export function claims(claim: Claim, issuePath: string): boolean {
  return issuePath === claim.path || (!claim.group && issuePath.startsWith(`${claim.path}.`));
}

export function issuesFor(issues: Issue[], claim: Claim): Issue[] {
  return issues.filter((issue) => claims(claim, issue.path));
}

/** The fields that `properties` show for `value`, under `prefix`: as the form renders them. */
export function claimsOf(properties: [string, JsonSchema][], value: unknown, prefix: string[]): Claim[] {
  const object: JsonObject = isObject(value) ? value : {};
  return properties.flatMap(([name, schema]) => {
    const path = [...prefix, name];
    const own = path.join(".");
    const { shape } = classify(schema);
    if (shape.kind === "fixed") return [];
    if (shape.kind === "object") {
      return [{ path: own, group: true }, ...claimsOf(shape.properties, object[name], path)];
    }
    if (shape.kind === "variants") {
      const chosen = isObject(object[name]) ? shape.variants.get(String(object[name][shape.tag])) : undefined;
      const fields = Object.entries(chosen?.properties ?? {}).filter(([field]) => field !== shape.tag);
      return [
        { path: own, group: true },
        { path: `${own}.${shape.tag}`, group: false },
        ...claimsOf(fields, object[name], path),
      ];
    }
    return [{ path: own, group: false }];
  });
}

/** The issues no field claims. */
export function unclaimed(issues: Issue[], fields: Claim[]): Issue[] {
  return issues.filter((issue) => !fields.some((claim) => claims(claim, issue.path)));
}
