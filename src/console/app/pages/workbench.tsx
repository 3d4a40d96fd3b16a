import { useMemo, useState } from "preact/hooks";
import type { Api } from "../api";
import type { PageProps } from "../page-props";
import { href } from "../router";
import { described, Labelled } from "../schema/controls";
import type { DestinationInfo, EventType, FormatInfo, List, StoredEvent, Webhook } from "../types";
import { ErrorMessage, Loading, Page } from "../ui/page";
import { useLoad } from "../ui/use-load";
import { previewDestination } from "../workbench/preview-request";
import { Workbench } from "../workbench/workbench";

/** What every workbench needs: the formats (with their default templates), the catalog, the latest events. */
const loadCommon = (api: Api) =>
  Promise.all([
    api.get<List<FormatInfo>>("/formats"),
    api.get<List<EventType>>("/webhooks/events/types?limit=1000"),
    api.get<List<StoredEvent>>("/events?limit=20"),
  ]);

/** The workbench for an integration's template (#/integrations/<id>/template). */
export function IntegrationTemplatePage({ api, role, params, notify }: PageProps) {
  const id = params.id as string;
  const loaded = useLoad(
    () =>
      Promise.all([
        loadCommon(api),
        api.get<List<DestinationInfo>>("/destinations"),
        api.get<Webhook>(`/webhooks/${encodeURIComponent(id)}`),
      ]),
    [api, id],
  );
  const integration = useMemo(() => {
    if (!loaded.data) return undefined;
    const [, destinations, webhook] = loaded.data;
    return { webhook, destination: previewDestination(webhook, destinations.data) };
  }, [loaded.data]);
  const back = (
    <a class="button" href={href(`/integrations/${encodeURIComponent(id)}`)}>
      Back to the integration
    </a>
  );
  if (loaded.error || !loaded.data || !integration) {
    return (
      <Page title="Template" actions={back}>
        {loaded.error ? <ErrorMessage error={loaded.error} /> : <Loading />}
      </Page>
    );
  }
  const [[formats, types, recent]] = loaded.data;
  const format = formats.data.find((each) => each.name === integration.webhook.format);
  return (
    <Page title={`Template: ${integration.webhook.name}`} actions={back}>
      {format ? (
        <Workbench
          api={api}
          format={format}
          types={types.data}
          recent={recent.data}
          readOnly={role !== "admin"}
          notify={notify}
          integration={integration}
        />
      ) : (
        <ErrorMessage error={`This console does not know the format “${integration.webhook.format}”.`} />
      )}
    </Page>
  );
}

/**
 * The workbench on its own for a format (#/templates, #/templates/<format>): try a template
 * before any integration has it. A new format starts
 * a new workbench (its default template, no options); the format picker stays, with the focus.
 */
export function FormatTemplatePage({ api, role, params, notify }: PageProps) {
  const loaded = useLoad(() => loadCommon(api), [api]);
  const [chosen, setChosen] = useState(params.format ?? "slack");
  if (loaded.error || !loaded.data) {
    return (
      <Page title="Templates">{loaded.error ? <ErrorMessage error={loaded.error} /> : <Loading />}</Page>
    );
  }
  const [formats, types, recent] = loaded.data;
  const format = formats.data.find((each) => each.name === chosen) ?? formats.data[0];
  if (!format) return <Page title="Templates">{<ErrorMessage error="The API lists no format." />}</Page>;
  return (
    <Page title="Templates">
      <Labelled id="workbench-format" label="Format" hint={format.description} issues={[]}>
        <select
          {...described("workbench-format", format.description, [])}
          value={format.name}
          onChange={(event) => setChosen(event.currentTarget.value)}
        >
          {formats.data.map((each) => (
            <option key={each.name} value={each.name}>
              {each.name}
            </option>
          ))}
        </select>
      </Labelled>
      <Workbench
        key={format.name}
        api={api}
        format={format}
        types={types.data}
        recent={recent.data}
        readOnly={role !== "admin"}
        notify={notify}
      />
    </Page>
  );
}
