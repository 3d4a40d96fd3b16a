import { useState } from "preact/hooks";
import { ApiError } from "../api";
import type { PageProps } from "../page-props";
import { navigate } from "../router";
import { described, Labelled } from "../schema/controls";
import { ObjectFields } from "../schema/fields";
import { type Claim, claimsOf, issuesFor, unclaimed } from "../schema/issues";
import { isObject } from "../schema/json";
import type { DestinationInfo, FlowInfo, FormatInfo, Issue, JsonObject, JsonSchema, Webhook } from "../types";
import { Page } from "../ui/page";
import { IntegrationActions } from "./integration-actions";
import {
  changedFields,
  commonSchema,
  createBody,
  DELIVERY_SCHEMA,
  defaultKind,
  flowValueOf,
  formValueOf,
  newFormValue,
  secretPaths,
  withKind,
} from "./integration-model";
import { IntegrationState } from "./integration-state";
import { TemplateLink } from "./workbench-link";

interface FormProps extends Pick<PageProps, "api" | "notify"> {
  formats: FormatInfo[];
  destinations: DestinationInfo[];
  /** The flow-control fields' schema (GET /flow): values at the webhook's top level. */
  flow: FlowInfo;
  /** The saved integration; none for a new one. */
  webhook: Webhook | undefined;
}

/** A group of fields generated from a schema the API serves, and where its values go. */
interface Section {
  title: string;
  path: ["options"] | ["destination"];
  properties: [string, JsonSchema][];
  required?: string[];
}

const propertiesOf = (schema: JsonSchema | undefined) => Object.entries(schema?.properties ?? {});

/**
 * An integration's form: the common fields, then the chosen format's options and destination's
 * settings, then flow control, all three generated from the JSON Schemas the API serves. A 422
 * puts each of the API's messages beside the field of its path, and the rest above the form.
 */
export function IntegrationForm({ api, notify, formats, destinations, flow, webhook }: FormProps) {
  const editedValueOf = (answer: Webhook) => ({ ...formValueOf(answer), ...flowValueOf(answer, flow) });
  const [saved, setSaved] = useState(webhook);
  const [initial, setInitial] = useState(() =>
    webhook ? editedValueOf(webhook) : newFormValue(formats, destinations),
  );
  const [value, setValue] = useState(initial);
  const formatNamed = (name: unknown) => formats.find((format) => format.name === name);
  // Until the user picks a destination, it follows the URL and format, as the API's default does.
  const [kindChosen, setKindChosen] = useState(
    () =>
      webhook !== undefined &&
      webhook.destination.kind !== defaultKind(webhook.url, formatNamed(webhook.format), destinations),
  );
  const [issues, setIssues] = useState<Issue[]>([]);
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);

  const format = formatNamed(value.format);
  const kind = isObject(value.destination) ? String(value.destination.kind) : "";
  const destination = destinations.find((each) => each.kind === kind);
  const context = { issues, secrets: secretPaths(format, destination), saved: saved !== undefined };
  const common = commonSchema(formats, format);
  const sections: Section[] = [
    {
      title: `Format options (${format?.name ?? "unknown format"})`,
      path: ["options"],
      properties: propertiesOf(format?.options_schema),
      required: format?.options_schema.required,
    },
    {
      title: `Destination settings (${kind})`,
      path: ["destination"],
      properties: propertiesOf(destination?.settings_schema),
      required: destination?.settings_schema.required,
    },
  ];
  const kindClaim: Claim = { path: "destination.kind", group: false };
  const claims: Claim[] = [
    ...claimsOf(propertiesOf(common), value, []),
    kindClaim,
    ...sections.flatMap((section) => [
      { path: section.path.join("."), group: true },
      ...claimsOf(section.properties, value[section.path[0]], section.path),
    ]),
    ...claimsOf(propertiesOf(DELIVERY_SCHEMA), value, []),
    ...claimsOf(propertiesOf(flow.settings_schema), value, []),
  ];
  const topIssues = unclaimed(issues, claims);

  function changeCommon(next: JsonObject) {
    const updated = { ...next };
    if (updated.format !== value.format) updated.options = {};
    if (!kindChosen) {
      const followed = defaultKind(String(updated.url ?? ""), formatNamed(updated.format), destinations);
      if (followed !== kind) updated.destination = withKind(updated.destination, followed, destinations);
    }
    setValue(updated);
  }

  function applySaved(answer: Webhook) {
    const fresh = editedValueOf(answer);
    setSaved(answer);
    setInitial(fresh);
    setValue(fresh);
  }

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setIssues([]);
    setFailure(undefined);
    notify("");
    try {
      if (!saved) {
        const created = await api.send<Webhook>("POST", "/webhooks", createBody(value));
        notify(`Integration “${created.name}” created.`, `/integrations/${created.id}`);
        navigate(`/integrations/${encodeURIComponent(created.id)}`);
        return;
      }
      const changes = changedFields(initial, value);
      if (Object.keys(changes).length === 0) {
        notify("Nothing to save: no field was changed.");
        return;
      }
      applySaved(await api.send<Webhook>("PUT", `/webhooks/${encodeURIComponent(saved.id)}`, changes));
      notify("Saved.");
    } catch (error) {
      const refused = error instanceof ApiError && error.issues.length > 0;
      if (refused) setIssues(error.issues);
      setFailure(
        refused
          ? "The API refused the integration: see the messages beside the fields."
          : (error as Error).message,
      );
    } finally {
      setBusy(false);
    }
  }

  const kindIssues = issuesFor(issues, kindClaim);
  return (
    <Page
      title={saved ? saved.name : "New integration"}
      actions={saved && <TemplateLink id={saved.id} label="Edit template" />}
    >
      {saved && (
        <p>
          State: <IntegrationState webhook={saved} />
        </p>
      )}
      <form class="integration" noValidate onSubmit={save}>
        {failure && (
          <div role="alert" class="error">
            <p>{failure}</p>
            {topIssues.length > 0 && (
              <ul>
                {topIssues.map((issue) => (
                  <li key={`${issue.path}:${issue.message}`}>
                    {issue.path ? `${issue.path}: ` : ""}
                    {issue.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <ObjectFields
          properties={propertiesOf(common)}
          required={common.required}
          value={value}
          path={[]}
          onChange={changeCommon}
          context={context}
        />
        <Labelled
          id="field-destination-kind"
          label="Destination"
          hint={destination?.description}
          issues={kindIssues}
        >
          <select
            {...described("field-destination-kind", destination?.description, kindIssues)}
            value={kind}
            onChange={(event) => {
              setKindChosen(true);
              setValue({
                ...value,
                destination: withKind(value.destination, event.currentTarget.value, destinations),
              });
            }}
          >
            {destinations.map((each) => (
              <option key={each.kind} value={each.kind}>
                {each.kind}
              </option>
            ))}
          </select>
        </Labelled>
        {sections
          .filter((section) => section.properties.length > 0)
          .map((section) => {
            const [name] = section.path;
            return (
              <fieldset key={name}>
                <legend>{section.title}</legend>
                <ObjectFields
                  properties={section.properties}
                  required={section.required}
                  value={value[name]}
                  path={section.path}
                  onChange={(next) =>
                    setValue({ ...value, [name]: name === "destination" ? { ...next, kind } : next })
                  }
                  context={context}
                />
              </fieldset>
            );
          })}
        <fieldset>
          <legend>Delivery</legend>
          <ObjectFields
            properties={propertiesOf(DELIVERY_SCHEMA)}
            value={value}
            path={[]}
            onChange={setValue}
            context={context}
          />
        </fieldset>
        <fieldset>
          <legend>Flow control</legend>
          <ObjectFields
            properties={propertiesOf(flow.settings_schema)}
            required={flow.settings_schema.required}
            value={value}
            path={[]}
            onChange={setValue}
            context={context}
          />
        </fieldset>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            Save
          </button>
          {saved && (
            <IntegrationActions
              api={api}
              webhook={saved}
              notify={notify}
              onChanged={(answer) => {
                setSaved(answer);
                setInitial(editedValueOf(answer));
                setValue((current) => ({ ...current, state: answer.state }));
              }}
            />
          )}
        </div>
      </form>
    </Page>
  );
}
