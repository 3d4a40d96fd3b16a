import { ReadOnlyFields } from "../schema/read-only";
import type { DestinationInfo, FlowInfo, FormatInfo, JsonSchema, Webhook } from "../types";
import { Page } from "../ui/page";
import { commonSchema, DELIVERY_SCHEMA, formValueOf, secretPaths } from "./integration-model";
import { IntegrationState } from "./integration-state";
import { TemplateLink } from "./workbench-link";

const propertiesOf = (schema: JsonSchema | undefined) => Object.entries(schema?.properties ?? {});

/**
 * An integration for a key that may only read: the same fields as the form, as text, with no
 * control that changes anything and no write-only value (the API sends none to a viewer either).
 */
export function IntegrationDetails({
  formats,
  destinations,
  flow,
  webhook,
}: {
  formats: FormatInfo[];
  destinations: DestinationInfo[];
  flow: FlowInfo;
  webhook: Webhook;
}) {
  const format = formats.find((each) => each.name === webhook.format);
  const destination = destinations.find((each) => each.kind === webhook.destination.kind);
  const secrets = secretPaths(format, destination);
  const value = formValueOf(webhook);
  return (
    <Page title={webhook.name} actions={<TemplateLink id={webhook.id} label="View template" />}>
      <p>
        State: <IntegrationState webhook={webhook} />
      </p>
      <section aria-labelledby="details-general">
        <h2 id="details-general">General</h2>
        <ReadOnlyFields
          properties={propertiesOf(commonSchema(formats, format))}
          value={value}
          path={[]}
          secrets={secrets}
        />
        <dl class="read-only">
          <div>
            <dt>Destination</dt>
            <dd>{webhook.destination.kind}</dd>
          </div>
        </dl>
      </section>
      <section aria-labelledby="details-options">
        <h2 id="details-options">Format options ({webhook.format})</h2>
        <ReadOnlyFields
          properties={propertiesOf(format?.options_schema)}
          value={webhook.options}
          path={["options"]}
          secrets={secrets}
        />
      </section>
      <section aria-labelledby="details-destination">
        <h2 id="details-destination">Destination settings ({webhook.destination.kind})</h2>
        <ReadOnlyFields
          properties={propertiesOf(destination?.settings_schema)}
          value={webhook.destination}
          path={["destination"]}
          secrets={secrets}
        />
      </section>
      <section aria-labelledby="details-delivery">
        <h2 id="details-delivery">Delivery</h2>
        <ReadOnlyFields
          properties={propertiesOf(DELIVERY_SCHEMA)}
          value={value}
          path={[]}
          secrets={secrets}
        />
      </section>
      <section aria-labelledby="details-flow">
        <h2 id="details-flow">Flow control</h2>
        <ReadOnlyFields
          properties={propertiesOf(flow.settings_schema)}
          value={webhook}
          path={[]}
          secrets={secrets}
        />
      </section>
    </Page>
  );
}
