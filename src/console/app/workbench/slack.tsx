import type { ComponentChildren } from "preact";
import { isObject } from "../schema/json";
import type { JsonObject } from "../types";
import { isWebUrl, mrkdwn, withEmoji } from "./mrkdwn";

// A Slack message drawn like Slack draws Block Kit: header, sections with their fields, context,
// actions (buttons that do nothing), dividers. Every string is text or mrkdwn made into elements.

const asObjects = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.filter(isObject) : []);
const textOf = (value: unknown): string =>
  isObject(value) && typeof value.text === "string" ? value.text : "";

/** A text object: mrkdwn, or plain_text shown as written (emoji codes aside). */
function TextObject({ value }: { value: unknown }) {
  if (!isObject(value)) return null;
  return <>{value.type === "mrkdwn" ? mrkdwn(textOf(value)) : withEmoji(textOf(value))}</>;
}

/** A button as an inert look-alike: its text, and its URL on hover when it is an http(s) one. */
function Button({ element }: { element: JsonObject }) {
  const url = typeof element.url === "string" && isWebUrl(element.url) ? element.url : undefined;
  const style = element.style === "primary" || element.style === "danger" ? ` ${element.style}` : "";
  return (
    <span class={`slack-button${style}`} title={url}>
      <TextObject value={element.text} />
    </span>
  );
}

function ContextElement({ element }: { element: JsonObject }) {
  if (element.type === "image")
    return <span class="slack-image-alt">[image: {String(element.alt_text ?? "")}]</span>;
  return (
    <span>
      <TextObject value={element} />
    </span>
  );
}

function Block({ block }: { block: JsonObject }) {
  switch (block.type) {
    case "header":
      return (
        <p class="slack-header">
          <TextObject value={block.text} />
        </p>
      );
    case "section":
      return (
        <div class="slack-section">
          {isObject(block.text) && (
            <div class="slack-text">
              <TextObject value={block.text} />
            </div>
          )}
          {asObjects(block.fields).length > 0 && (
            <div class="slack-fields">
              {asObjects(block.fields).map((field, index) => (
                <div key={index} class="slack-text">
                  <TextObject value={field} />
                </div>
              ))}
            </div>
          )}
          {isObject(block.accessory) && block.accessory.type === "button" && (
            <Button element={block.accessory} />
          )}
        </div>
      );
    case "context":
      return (
        <div class="slack-context">
          {asObjects(block.elements).map((element, index) => (
            <ContextElement key={index} element={element} />
          ))}
        </div>
      );
    case "actions":
      return (
        <div class="slack-actions">
          {asObjects(block.elements).map((element, index) =>
            element.type === "button" ? <Button key={index} element={element} /> : null,
          )}
        </div>
      );
    case "divider":
      return <hr class="slack-divider" />;
    case "image":
      return <p class="slack-image-alt">[image: {String(block.alt_text ?? "")}]</p>;
    default:
      return <p class="muted">(a {String(block.type)} block, not drawn here: see the JSON)</p>;
  }
}

/** The legacy `attachments` Slack still shows: a coloured bar beside their text, fields and blocks. */
function Attachment({ attachment }: { attachment: JsonObject }) {
  return (
    <div class="slack-attachment">
      {typeof attachment.title === "string" && <p class="slack-attachment-title">{attachment.title}</p>}
      {typeof attachment.text === "string" && <div class="slack-text">{mrkdwn(attachment.text)}</div>}
      {asObjects(attachment.blocks).map((block, index) => (
        <Block key={index} block={block} />
      ))}
    </div>
  );
}

/** The message Slack would post for `body`; the fallback `text` when it has no blocks. */
export function SlackMessage({ body }: { body: string }): ComponentChildren {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch (error) {
    return <p class="error">Slack would refuse this body: it is not JSON ({(error as Error).message}).</p>;
  }
  if (!isObject(message)) return <p class="error">Slack would refuse this body: it is not a JSON object.</p>;
  const blocks = asObjects(message.blocks);
  return (
    <div class="slack">
      <p class="slack-sender">
        Herald <span class="slack-app-badge">APP</span>
      </p>
      {blocks.length > 0
        ? blocks.map((block, index) => <Block key={index} block={block} />)
        : typeof message.text === "string" && <div class="slack-text">{mrkdwn(message.text)}</div>}
      {asObjects(message.attachments).map((attachment, index) => (
        <Attachment key={index} attachment={attachment} />
      ))}
    </div>
  );
}
