import type { PageProps } from "../page-props";
import type { DestinationInfo, FlowInfo, FormatInfo, List, Webhook } from "../types";
import { ErrorMessage, Loading, Page } from "../ui/page";
import { useLoad } from "../ui/use-load";
import { IntegrationDetails } from "./integration-details";
import { IntegrationForm } from "./integration-form";

/** One integration (or a new one): the form for an admin, the same fields read-only for a viewer. */
export function IntegrationPage({ api, role, params, notify }: PageProps) {
  const id = params.id;
  const loaded = useLoad(
    () =>
      Promise.all([
        api.get<List<FormatInfo>>("/formats"),
        api.get<List<DestinationInfo>>("/destinations"),
        api.get<FlowInfo>("/flow"),
        id === undefined ? undefined : api.get<Webhook>(`/webhooks/${encodeURIComponent(id)}`),
      ]),
    [api, id],
  );
  const title = id === undefined ? "New integration" : "Integration";
  if (loaded.error) {
    return (
      <Page title={title}>
        <ErrorMessage error={loaded.error} />
      </Page>
    );
  }
  if (!loaded.data) {
    return (
      <Page title={title}>
        <Loading />
      </Page>
    );
  }
  const [formats, destinations, flow, webhook] = loaded.data;
  if (role !== "admin") {
    return webhook ? (
      <IntegrationDetails
        formats={formats.data}
        destinations={destinations.data}
        flow={flow}
        webhook={webhook}
      />
    ) : (
      <Page title={title}>
        <ErrorMessage error="Only an admin key may create integrations." />
      </Page>
    );
  }
  return (
    <IntegrationForm
      key={webhook?.id ?? "new"}
      api={api}
      notify={notify}
      formats={formats.data}
      destinations={destinations.data}
      flow={flow}
      webhook={webhook}
    />
  );
}
