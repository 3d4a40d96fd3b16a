import type { Page } from "playwright-core";
import { expect } from "vitest";
import { type ConsoleTab, screenshot, seriousViolations } from "./browser";

/**
 * Nothing hostile data could have done happened: no dialog, no flag set by an injected script,
 * no element the console never makes (images, inline scripts, event-handler attributes,
 * javascript: links).
 */
export async function expectNothingRan(tab: ConsoleTab): Promise<void> {
  expect(tab.dialogs).toEqual([]);
  const count = (selector: string) => tab.page.locator(selector).count();
  const injected = {
    // A string: the tests are type-checked without the DOM's types, which the server must not see.
    flag: await tab.page.evaluate("window.__xss ?? null"),
    images: await count("img"),
    inlineScripts: await count("script:not([src])"),
    handlers: await count("[onerror], [onload], [onclick]"),
    scriptLinks: await count("a[href^='javascript:' i]"),
  };
  expect(injected).toEqual({ flag: null, images: 0, inlineScripts: 0, handlers: 0, scriptLinks: 0 });
}

/**
 * axe-core finds nothing serious or critical on the page in the light scheme, and no colour
 * contrast too low in the dark one; a screenshot of each is saved as `<name>-light|dark`.
 */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  expect(await seriousViolations(page), `${name} (light)`).toEqual([]);
  await screenshot(page, `${name}-light`);
  await page.emulateMedia({ colorScheme: "dark" });
  expect(await seriousViolations(page, ["color-contrast"]), `${name} (dark)`).toEqual([]);
  await screenshot(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: "light" });
}
