import { ScrollingText } from "../ui/scrolling-text";

/** `text` pretty-printed when it is JSON, or why it is not. */
function pretty(text: string): { text: string; problem?: string } {
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2) };
  } catch (error) {
    return { text, problem: (error as Error).message };
  }
}

/** A JSON body pretty-printed; NDJSON (one document a line, as _bulk and HEC take it) line by line. */
export function JsonBody({ body, contentType }: { body: string; contentType: string }) {
  const documents = /ndjson/.test(contentType)
    ? body.split("\n").filter((line) => line.trim() !== "")
    : [body];
  const shown = documents.map(pretty);
  const problem = shown.find((each) => each.problem)?.problem;
  return (
    <>
      {problem && <p class="error">The receiver would refuse this body: it is not valid JSON ({problem}).</p>}
      <ScrollingText className="json">{shown.map((each) => each.text).join("\n")}</ScrollingText>
    </>
  );
}
