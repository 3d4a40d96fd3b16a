import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

// Debian's Chromium, driven by playwright-core (no browser download). The flags are the ones that
// work on these machines (../shared/FIELD-NOTES.md): without the background-networking ones
// Chromium keeps trying to reach the internet.
const CHROMIUM = process.env.HERALD_TEST_CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Where the tests save a screenshot of each page they visit. */
export const SCREENSHOTS = join(tmpdir(), "herald-console-screenshots");

/**
 * Where the README's screenshots are taken to: docs/img with UPDATE_SCREENSHOTS=1, else beside the
 * other pages' screenshots, so that a test run leaves the checkout as it found it.
 */
export const README_IMAGES = process.env.UPDATE_SCREENSHOTS
  ? join(import.meta.dirname, "..", "..", "docs", "img")
  : SCREENSHOTS;

/**
 * The top of a console page for the README, as <name>.png in README_IMAGES, at `size`, once
 * `prepare` (given) has run; the page's viewport is put back afterwards.
 */
export async function readmeScreenshot(
  page: Page,
  name: string,
  {
    size = { width: 1280, height: 800 },
    prepare,
  }: { size?: { width: number; height: number }; prepare?: string } = {},
): Promise<string> {
  mkdirSync(README_IMAGES, { recursive: true });
  const path = join(README_IMAGES, `${name}.png`);
  const viewport = page.viewportSize();
  await page.setViewportSize(size);
  await page.evaluate("window.scrollTo(0, 0)");
  if (prepare) await page.evaluate(prepare);
  await page.screenshot({ path });
  if (viewport) await page.setViewportSize(viewport);
  return path;
}

/** One browser for a test file: launch it in beforeAll, close it in afterAll. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

export interface ConsoleTab {
  context: BrowserContext;
  page: Page;
  /** The messages of every alert, confirm or prompt the page opened (dismissed at once). */
  dialogs: string[];
  /** Console errors and failed requests: a Content-Security-Policy violation shows here. */
  errors: string[];
}

/** A fresh context (its own sessionStorage, localStorage, cookies) at 1,024 px wide, the narrowest the console supports. */
export async function openTab(
  browser: Browser,
  colorScheme: "light" | "dark" = "light",
): Promise<ConsoleTab> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, colorScheme });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return { context, page, dialogs, errors };
}

/** Opens the console at `hash` and logs in with `key` through the login form. */
export async function logIn(
  page: Page,
  baseUrl: string,
  key: string,
  hash = "#/integrations",
): Promise<void> {
  await page.goto(`${baseUrl}/${hash}`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("button", { name: "Log out" }).waitFor();
}

/** Saves a full-page screenshot as SCREENSHOTS/<name>.png and answers its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** axe-core's serious and critical findings on the page as it is now (by `rules` only, if given), one line each. */
export async function seriousViolations(page: Page, rules?: string[]): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  const results = await (rules ? builder.withRules(rules) : builder).analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`,
    );
}
