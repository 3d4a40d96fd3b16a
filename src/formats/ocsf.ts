import { isIP } from "node:net";
import { z } from "zod";
import type { HeraldEvent } from "../events/event";
import type { Severity } from "../events/severity";
import {
  type Format,
  FormatError,
  isObject,
  type JsonObject,
  parseTemplateJson,
  templateContext,
} from "./format";
import { WELL_KNOWN_FIELDS } from "./siem";

// An OCSF Detection Finding (class 2004, category 2 Findings), one per event. Every attribute set
// here was checked against OCSF 1.3.0: the class (ocsf-schema events/findings/detection_finding.json,
// extending finding.json and base_event.json), its objects (metadata, product, finding_info,
// evidences, network_endpoint, observable, resource_details) and the compiled 1.3.0 schema
// (https://schema.ocsf.io/1.3.0/classes/detection_finding, as cached in ocsf/ocsf-lib-py).

/** The OCSF schema version the findings follow, sent as metadata.version. */
export const OCSF_VERSION = "1.3.0";

const CLASS_UID = 2004;
/** Create: "a finding was created", what every Herald event is to its receiver. */
const ACTIVITY_ID = 1;

/** Herald's severities as OCSF severity_id, with the captions the schema gives them. */
const SEVERITIES: Record<Severity, { id: number; caption: string }> = {
  info: { id: 1, caption: "Informational" },
  low: { id: 2, caption: "Low" },
  medium: { id: 3, caption: "Medium" },
  high: { id: 4, caption: "High" },
  critical: { id: 5, caption: "Critical" },
};

/** observable.type_id 2 is "IP Address" (the value type of ip_t in the OCSF dictionary). */
const IP_ADDRESS_OBSERVABLE = { type_id: 2, type: "IP Address" };
/** Where the source IP goes; the observable points at it by this name. */
const SOURCE_IP_PATH = "evidences[0].src_endpoint.ip";

const name = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(256, `${what} must be at most 256 characters`);

const ocsfOptionsSchema = z
  .object({
    /** metadata.product.name. Default: the event's source. */
    product_name: name("product_name").optional(),
    /** metadata.product.vendor_name (required by OCSF 1.3.0). Default: the event's source. */
    vendor_name: name("vendor_name").optional(),
  })
  .strict();
export type OcsfOptions = z.infer<typeof ocsfOptionsSchema>;

/**
 * OCSF Detection Finding. The template (templates/ocsf.hbs) shapes the parts an operator may word
 * differently: `message`, `finding_info` and `unmapped`. The format sets every other attribute
 * after parsing the template's JSON (class, activity, type, severity, time, status, metadata,
 * resources, evidences, observables), so no template can make a finding of another class or
 * give it an attribute the class does not define.
 */
export const ocsfFormat: Format<OcsfOptions> = {
  name: "ocsf",
  description: `OCSF ${OCSF_VERSION} Detection Finding (class_uid 2004): one JSON object per event`,
  contentType: "application/json",
  optionsSchema: ocsfOptionsSchema,
  // No batch: OCSF defines events, not a way to send several over HTTP, and receivers differ.
  render({ event, options, template, suppressed }) {
    const warnings: string[] = [];
    const address = sourceAddress(event.data);
    const unmapped = address ? withoutField(event.data, address.field) : event.data;
    // Assigned, not spread, for speed (see templateContext).
    const context = Object.assign(templateContext(event, options, suppressed), { unmapped });
    const parts = templateParts(parseTemplateJson(template(context)), warnings);
    const finding = detectionFinding(event, options, parts, address?.ip);
    return { contentType: "application/json", body: JSON.stringify(finding), warnings };
  },
};

/** The first well-known source address field of the data that holds an IPv4 or IPv6 address. */
function sourceAddress(data: JsonObject): { field: string; ip: string } | undefined {
  for (const field of WELL_KNOWN_FIELDS.sourceAddress) {
    const value = data[field];
    if (typeof value === "string" && isIP(value) !== 0) return { field, ip: value };
  }
  return undefined;
}

function withoutField(data: JsonObject, field: string): JsonObject {
  return Object.fromEntries(Object.entries(data).filter(([key]) => key !== field));
}

/** What a template shaped, checked. */
interface TemplateParts {
  message?: string;
  finding_info: JsonObject;
  unmapped?: JsonObject;
}

/** The attributes the format sets: a template's value for one is replaced, with a warning. */
const FORMAT_ATTRIBUTES = new Set([
  "activity_id",
  "activity_name",
  "category_uid",
  "category_name",
  "class_uid",
  "class_name",
  "type_uid",
  "type_name",
  "severity_id",
  "severity",
  "status_id",
  "status",
  "time",
  "metadata",
  "resources",
  "evidences",
  "observables",
]);

/** The finding_info attributes (OCSF 1.3.0 finding_info) a template may set, and their JSON types. */
const FINDING_INFO_ATTRIBUTES: Record<string, "string" | "strings"> = {
  uid: "string",
  title: "string",
  desc: "string",
  src_url: "string",
  types: "strings",
};

function templateParts(output: unknown, warnings: string[]): TemplateParts {
  if (!isObject(output)) throw new FormatError("the template must produce a JSON object");
  for (const key of Object.keys(output)) {
    if (FORMAT_ATTRIBUTES.has(key)) {
      warnings.push(`the template's "${key}" was replaced: the format sets it for every Detection Finding`);
    } else if (key !== "message" && key !== "finding_info" && key !== "unmapped") {
      throw new FormatError(
        `the template set "${key}": it may shape only message, finding_info and unmapped (put other values in unmapped)`,
      );
    }
  }
  const { message, finding_info = {}, unmapped } = output;
  if (message !== undefined && typeof message !== "string")
    throw new FormatError("the template's message must be a string");
  if (unmapped !== undefined && !isObject(unmapped))
    throw new FormatError("the template's unmapped must be a JSON object");
  return { message, finding_info: checkedFindingInfo(finding_info), unmapped };
}

function checkedFindingInfo(info: unknown): JsonObject {
  if (!isObject(info)) throw new FormatError("the template's finding_info must be a JSON object");
  for (const [key, value] of Object.entries(info)) {
    const type = Object.hasOwn(FINDING_INFO_ATTRIBUTES, key) ? FINDING_INFO_ATTRIBUTES[key] : undefined;
    if (!type) {
      throw new FormatError(
        `the template set finding_info.${key}: it may set only ${Object.keys(FINDING_INFO_ATTRIBUTES).join(", ")}`,
      );
    }
    const fits =
      type === "string"
        ? typeof value === "string"
        : Array.isArray(value) && value.every((item) => typeof item === "string");
    if (!fits) {
      throw new FormatError(
        `the template's finding_info.${key} must be ${type === "string" ? "a string" : "an array of strings"}`,
      );
    }
  }
  if (info.uid === "") throw new FormatError("the template's finding_info.uid must not be empty");
  return info;
}

function detectionFinding(
  event: HeraldEvent,
  options: OcsfOptions,
  parts: TemplateParts,
  ip: string | undefined,
): JsonObject {
  const severity = SEVERITIES[event.severity];
  // JSON.stringify leaves out the attributes that are undefined.
  return {
    activity_id: ACTIVITY_ID,
    activity_name: "Create",
    category_uid: 2,
    category_name: "Findings",
    class_uid: CLASS_UID,
    class_name: "Detection Finding",
    type_uid: CLASS_UID * 100 + ACTIVITY_ID,
    type_name: "Detection Finding: Create",
    severity_id: severity.id,
    severity: severity.caption,
    // New: "the finding is new and yet to be reviewed", which is what a forwarded event is.
    status_id: 1,
    status: "New",
    time: Date.parse(event.time),
    message: parts.message,
    metadata: {
      version: OCSF_VERSION,
      product: {
        name: options.product_name ?? event.source,
        vendor_name: options.vendor_name ?? event.source,
      },
    },
    // uid is required and title required in 1.3.0: the event's, unless the template set them.
    finding_info: { uid: event.id, title: event.title, ...parts.finding_info },
    // The CloudEvents subject names what the event is about: the finding's affected resource.
    resources: event.subject ? [{ name: event.subject }] : undefined,
    // Detection Finding has no top-level src_endpoint; the source of the activity is evidence.
    evidences: ip ? [{ src_endpoint: { ip } }] : undefined,
    observables: ip ? [{ name: SOURCE_IP_PATH, ...IP_ADDRESS_OBSERVABLE, value: ip }] : undefined,
    unmapped: parts.unmapped && Object.keys(parts.unmapped).length > 0 ? parts.unmapped : undefined,
  };
}
