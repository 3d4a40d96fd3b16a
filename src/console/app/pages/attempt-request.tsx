import type { Attempt, SentRequest } from "../types";
import { ScrollingText } from "../ui/scrolling-text";

/** One attempt's request: its headers as a table, its body as text (never markup). */
function RequestDetails({ attempt, request }: { attempt: number; request: SentRequest }) {
  // By name: the store keeps no order of its own.
  const headers = Object.entries(request.headers).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      {headers.length === 0 ? (
        <p class="muted">No headers: this destination sends the body alone.</p>
      ) : (
        <table class="list">
          <caption>Headers of attempt {attempt}</caption>
          <thead>
            <tr>
              <th scope="col">Header</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {headers.map(([name, value]) => (
              <tr key={name}>
                <td>
                  <code>{name}</code>
                </td>
                <td>
                  <code>{value}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <figure>
        <figcaption>Body of attempt {attempt}</figcaption>
        <ScrollingText>{request.body}</ScrollingText>
      </figure>
    </>
  );
}

/**
 * What each attempt sent, one disclosure per attempt, the latest open: a request is long, and the
 * attempts' outcomes above are what is read first.
 */
export function AttemptRequests({ attempts }: { attempts: Attempt[] }) {
  const latest = attempts.at(-1);
  return (
    <section aria-labelledby="requests-title">
      <h2 id="requests-title">Requests sent</h2>
      <p class="hint">
        The headers with every secret masked (credentials, signatures, the values of custom headers a viewer
        does not see), and the start of the body with the integration's secrets masked.
      </p>
      {attempts.map((attempt) => (
        <details
          key={`${attempt.attempt}-${attempt.created_at}`}
          class="sent-request"
          open={attempt === latest}
        >
          <summary>Attempt {attempt.attempt}</summary>
          {attempt.request ? (
            <RequestDetails attempt={attempt.attempt} request={attempt.request} />
          ) : (
            <p class="muted">Nothing was sent, or this attempt was recorded before Herald kept requests.</p>
          )}
        </details>
      ))}
    </section>
  );
}
