import type { Locator, Page } from "playwright-core";
import { readmeScreenshot } from "./browser";

// Driving the console's template workbench (src/console/app/workbench) from browser tests.

/** The workbench: the region labelled "Template". */
export const workbench = (page: Page): Locator => page.getByRole("region", { name: "Template" });

/** The editor's text box (CodeMirror's content element). */
export const templateEditor = (page: Page): Locator => page.locator(".template-editor .cm-content");

/** Replaces the whole template with `text`, as a paste does (one input, no auto-indent). */
export async function replaceTemplate(page: Page, text: string): Promise<void> {
  await templateEditor(page).click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

/** Picks "Your own event (JSON)" and types `event` in. */
export async function useOwnEvent(page: Page, event: unknown): Promise<void> {
  await page.getByLabel("Event", { exact: true }).selectOption("own");
  await page.getByLabel("Event JSON").fill(JSON.stringify(event, null, 2));
}

/** Types `json` into the format options (opening them first). */
export async function setOptions(page: Page, json: string): Promise<void> {
  const field = page.getByLabel("Format options (JSON)");
  if (!(await field.isVisible())) await page.getByText("Format options", { exact: true }).click();
  await field.fill(json);
}

/** The rows of the split-line table captioned `caption`, as {field: value} (the fields' notes left out). */
export async function splitTable(page: Page, caption: string): Promise<Record<string, string>> {
  const table = page.locator("table.split").filter({ has: page.locator("caption", { hasText: caption }) });
  const entries: [string, string][] = [];
  for (const row of await table.locator("tbody tr").all()) {
    const heading = (await row.locator("th").textContent()) ?? "";
    const note = row.locator("th .split-note");
    const noteText = (await note.count()) > 0 ? ((await note.textContent()) ?? "") : "";
    entries.push([
      heading.slice(0, heading.length - noteText.length),
      (await row.locator("td").textContent()) ?? "",
    ]);
  }
  return Object.fromEntries(entries);
}

// Scrolls the editor past the template's opening {{!-- comment --}} (when it has one) to the
// template itself. The editor draws only the lines near its view, so it looks a screen at a time.
const SKIP_COMMENT = `(async () => {
  const scroller = document.querySelector(".template-editor").shadowRoot.querySelector(".cm-scroller");
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  for (let screens = 0; screens < 10; screens++) {
    const end = [...scroller.querySelectorAll(".cm-line")].find((line) => line.textContent.trim() === "--}}");
    if (end) {
      scroller.scrollTop += end.getBoundingClientRect().bottom - scroller.getBoundingClientRect().top;
      return;
    }
    scroller.scrollTop += scroller.clientHeight;
    await frame();
    await frame();
  }
})()`;

/** The workbench in a 1,024 × 768 viewport, for the README, as <name>.png (see readmeScreenshot). */
export function docsScreenshot(page: Page, name: string): Promise<string> {
  return readmeScreenshot(page, name, { size: { width: 1024, height: 768 }, prepare: SKIP_COMMENT });
}
