import { type SplitSection, splitSiemLine } from "./siem-split";
import { splitSyslog } from "./syslog-split";

/** Each part of a split line as a table: the field, what it means, its value as text. */
function SplitTables({ sections }: { sections: SplitSection[] }) {
  return (
    <>
      {sections.map((section) => (
        <table key={section.title} class="list split">
          <caption>{section.title}</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {section.rows.map((row, index) => (
              <tr key={index}>
                <th scope="row">
                  {row.name}
                  {row.note && <span class="split-note">{row.note}</span>}
                </th>
                <td>{row.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </>
  );
}

/**
 * A CEF, LEEF or syslog message as a SIEM splits it: the syslog parts first when it is framed as
 * syslog (a syslog destination), then the CEF or LEEF line its MSG holds.
 */
export function SiemMessage({ body }: { body: string }) {
  const syslog = splitSyslog(body);
  const line = syslog ? syslog.message : body.replace(/\r?\n$/, "");
  const sections = [...(syslog?.sections ?? []), ...(splitSiemLine(line) ?? [])];
  return (
    <div class="siem">
      <pre class="siem-line">{body}</pre>
      {sections.length > 0 ? (
        <SplitTables sections={sections} />
      ) : (
        <p class="muted">
          This is not a syslog message, a CEF line or a LEEF line: a SIEM would keep it as raw text.
        </p>
      )}
    </div>
  );
}
