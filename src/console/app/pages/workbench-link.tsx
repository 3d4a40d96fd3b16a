import { href } from "../router";

/** The link from an integration's page to the workbench for its template. */
export function TemplateLink({ id, label }: { id: string; label: "Edit template" | "View template" }) {
  return (
    <a class="button" href={href(`/integrations/${encodeURIComponent(id)}/template`)}>
      {label}
    </a>
  );
}
