import {
  AdaptiveCard,
  HostConfig,
  type IMarkdownProcessingResult,
  SerializationContext,
} from "adaptivecards";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { isObject } from "../schema/json";

// A Teams message's Adaptive Cards drawn by Microsoft's own renderer (adaptivecards), as Teams
// draws them. The renderer builds its DOM with textContent and CSSOM styles, which the console's
// Content-Security-Policy allows; markdown is NOT turned into HTML (see keepAsText), so event data
// stays text, and actions do nothing.

const ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive";

/** Teams' light theme, with every text colour at a contrast of 4.5:1 or more on every container style. */
const FOREGROUND = {
  default: { default: "#242424", subtle: "#5C5C5C" },
  dark: { default: "#000000", subtle: "#424242" },
  light: { default: "#FFFFFF", subtle: "#F5F5F5" },
  accent: { default: "#0F548C", subtle: "#0F548C" },
  attention: { default: "#A4262C", subtle: "#A4262C" },
  good: { default: "#0E700E", subtle: "#0E700E" },
  warning: { default: "#7A4A00", subtle: "#7A4A00" },
};
const BACKGROUNDS = {
  default: "#FFFFFF",
  emphasis: "#F2F2F2",
  accent: "#DCE9F9",
  attention: "#FDE7E9",
  good: "#E7F2DA",
  warning: "#FFF4CE",
};

function teamsHostConfig(): HostConfig {
  const containerStyles = Object.fromEntries(
    Object.entries(BACKGROUNDS).map(([name, backgroundColor]) => [
      name,
      { backgroundColor, foregroundColors: FOREGROUND },
    ]),
  );
  return new HostConfig({
    fontFamily: '"Segoe UI", system-ui, -apple-system, sans-serif',
    supportsInteractivity: true,
    containerStyles,
  });
}

/**
 * Markdown stays as typed. Left unset, the renderer would use a `window.markdownit` if one
 * existed (and set the HTML it makes as innerHTML); this says "not processed", always.
 */
function keepAsText(_text: string, result: IMarkdownProcessingResult): void {
  result.didProcess = false;
}

/** The cards of a Teams message (a card on its own too), or why there are none. */
function cardsOf(body: string): unknown[] | string {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch (error) {
    return `Teams would refuse this body: it is not JSON (${(error as Error).message}).`;
  }
  if (isObject(message) && message.type === "AdaptiveCard") return [message];
  const attachments = isObject(message) && Array.isArray(message.attachments) ? message.attachments : [];
  const cards = attachments.filter(isObject).filter((each) => each.contentType === ADAPTIVE_CARD);
  if (cards.length === 0) return "This message has no Adaptive Card attachment: Teams would show nothing.";
  return cards.map((each) => each.content);
}

/** One card rendered, and what the renderer found wrong with it. */
function renderCard(
  content: unknown,
  hostConfig: HostConfig,
): { element: HTMLElement | undefined; problems: string[] } {
  AdaptiveCard.onProcessMarkdown = keepAsText;
  const card = new AdaptiveCard();
  card.hostConfig = hostConfig;
  card.onExecuteAction = () => {};
  const context = new SerializationContext();
  card.parse(content, context);
  const parsing = Array.from({ length: context.eventCount }, (_, index) => context.getEventAt(index).message);
  const checking = card.validateProperties().validationEvents.map((event) => event.message);
  return { element: card.render(), problems: [...parsing, ...checking] };
}

/** The Teams post for `body`: each Adaptive Card as the renderer draws it, and its complaints. */
export function TeamsMessage({ body }: { body: string }) {
  const host = useRef<HTMLDivElement>(null);
  const hostConfig = useMemo(teamsHostConfig, []);
  const cards = useMemo(() => cardsOf(body), [body]);
  const [problems, setProblems] = useState<string[]>([]);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    if (typeof cards === "string") {
      element.replaceChildren();
      setProblems([]);
      return;
    }
    const rendered = cards.map((card) => renderCard(card, hostConfig));
    element.replaceChildren(...rendered.flatMap((each) => (each.element ? [each.element] : [])));
    setProblems(rendered.flatMap((each) => each.problems));
  }, [cards, hostConfig]);

  return (
    <div class="teams">
      <p class="teams-sender">Herald via Workflows</p>
      {typeof cards === "string" && <p class="error">{cards}</p>}
      <div class="teams-card" ref={host} />
      {problems.length > 0 && (
        <div class="card-problems">
          <p>The Adaptive Card renderer reports:</p>
          <ul>
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
