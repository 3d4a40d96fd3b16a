import { useState } from "preact/hooks";
import { type Api, ApiError } from "../api";
import { href } from "../router";
import { isObject } from "../schema/json";
import type { Issue, JsonObject, TestResult, Webhook } from "../types";
import { deliveryPath } from "../ui/paths";
import type { EventChoice } from "./preview-request";

/**
 * The body of POST /webhooks/{id}/test for what the workbench holds: the template and options as
 * typed (unsaved), and the event picked (a sample: its type; an event: its type, severity, title
 * and data). Options or an event that are not a JSON object are left to the preview to point out.
 */
export function testRequest(
  template: string,
  optionsText: string,
  choice: EventChoice | undefined,
): JsonObject {
  const parsed = (text: string) => {
    try {
      const value: unknown = JSON.parse(text);
      return isObject(value) ? value : undefined;
    } catch {
      return undefined;
    }
  };
  const options = parsed(optionsText);
  const event = choice?.kind === "event" ? parsed(choice.text) : undefined;
  const type = choice?.kind === "sample" ? choice.type : event?.type;
  return {
    template,
    ...(options ? { options } : {}),
    ...(typeof type === "string" && type !== "" ? { event_type: type } : {}),
    ...(event && typeof event.severity === "string" ? { severity: event.severity } : {}),
    ...(event && typeof event.title === "string" ? { title: event.title } : {}),
    ...(event && isObject(event.data) ? { payload: event.data } : {}),
  };
}

/** Sending a test with the workbench's unsaved template: the receiver's answer, or why the API refused it. */
export function useSendTest(api: Api, webhook: Webhook | undefined) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TestResult>();
  const [issues, setIssues] = useState<Issue[]>([]);
  const [failure, setFailure] = useState<Error>();

  async function send(body: JsonObject) {
    if (!webhook) return;
    setBusy(true);
    setResult(undefined);
    setIssues([]);
    setFailure(undefined);
    try {
      setResult(await api.send<TestResult>("POST", `/webhooks/${encodeURIComponent(webhook.id)}/test`, body));
    } catch (error) {
      if (error instanceof ApiError && error.issues.length > 0) setIssues(error.issues);
      else setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  }

  /** The issues belong to the text they were sent for: an edit clears them. */
  const clearIssues = () => setIssues([]);
  return { busy, result, issues, failure, send, clearIssues };
}

/** What the receiver said to the test: status, time taken, the start of its answer, and the delivery. */
export function TestOutcome({ result }: { result: TestResult }) {
  const answered = result.status_code !== null ? `answered ${result.status_code}` : "did not answer";
  return (
    <div class={`test-result ${result.success ? "good" : "bad"}`}>
      <p>
        Test {result.success ? "delivered" : "failed"}: the receiver {answered} in {result.duration_ms} ms.{" "}
        <a href={href(deliveryPath(result.delivery_id))}>The delivery and the request sent</a>
      </p>
      {result.error && <p>Error: {result.error}</p>}
      {result.response_excerpt && (
        <>
          <p>Response body (excerpt):</p>
          <pre>{result.response_excerpt}</pre>
        </>
      )}
      {result.warnings.map((warning) => (
        <p key={warning}>Warning: {warning}</p>
      ))}
    </div>
  );
}
