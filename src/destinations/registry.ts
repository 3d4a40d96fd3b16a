import type { Format } from "../formats/format";
import type { Destination, Sender, SenderContext } from "./destination";
import { createEgressPolicy, type EgressPolicyOptions } from "./egress";
import { elasticsearchDestination } from "./elasticsearch/index";
import { httpDestination } from "./http/index";
import { splunkHecDestination } from "./splunk-hec/index";
import { syslogDestination } from "./syslog/index";

/** Every destination Herald can send to, by kind. A new destination is one folder and one line here. */
export const DESTINATIONS = [
  httpDestination,
  splunkHecDestination,
  elasticsearchDestination,
  syslogDestination,
] as Destination<never>[];

export function findDestination(kind: string): Destination<Record<string, unknown>> | undefined {
  return DESTINATIONS.find((destination) => destination.kind === kind) as
    | Destination<Record<string, unknown>>
    | undefined;
}

/** URL schemes Herald can deliver to. */
export const DESTINATION_SCHEMES = [...new Set(DESTINATIONS.flatMap((destination) => destination.schemes))];

/** "https:" of "https://…", as URL#protocol has it, without parsing the whole URL. */
export function schemeOf(url: string): string {
  return url.slice(0, url.indexOf(":") + 1).toLowerCase();
}

/**
 * The destination a webhook sends to when it names none: a syslog URL's syslog, else the one its
 * format's receivers are (splunk_hec → splunk_hec), else plain HTTP.
 */
export function defaultDestinationKind(
  url: string,
  format: Pick<Format<unknown>, "destination"> | undefined,
): string {
  if (syslogDestination.schemes.includes(schemeOf(url))) return syslogDestination.kind;
  return format?.destination ?? httpDestination.kind;
}

/** The open senders of every destination, each with its own connections. */
export interface Senders {
  forKind(kind: string): Sender;
  closeAll(): Promise<void>;
}

export interface SendersOptions extends Omit<SenderContext, "egress"> {
  /** Which addresses may be connected to; see egress.ts for the rules and the built-in denials. */
  egress?: EgressPolicyOptions;
}

export function openSenders(options: SendersOptions = {}): Senders {
  const context: SenderContext = { ...options, egress: createEgressPolicy(options.egress) };
  const senders = new Map<string, Sender>();
  return {
    forKind(kind) {
      let sender = senders.get(kind);
      if (!sender) {
        const destination = findDestination(kind);
        if (!destination) throw new Error(`no destination of kind "${kind}"`);
        sender = destination.open(context) as Sender;
        senders.set(kind, sender);
      }
      return sender;
    },
    async closeAll() {
      await Promise.all([...senders.values()].map((sender) => sender.close()));
      senders.clear();
    },
  };
}
