import type { LookupAddress, LookupOptions } from "node:dns";
import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP, type LookupFunction } from "node:net";

/**
 * Which addresses Herald may connect to. Webhook URLs come from operators and API clients, so
 * every connection is checked against this policy at send time, on the address it will really
 * use: a host name is resolved once, every address it resolves to is checked, and the connection
 * is made to those checked addresses (through the `lookup` option of net, tls and undici), so a
 * second DNS answer cannot slip another address in.
 *
 * The rules:
 * - Built in, always denied: 0.0.0.0/8 and :: (which reach this host), 169.254.0.0/16 and
 *   fe80::/10 (link-local, where cloud metadata services live), and the metadata addresses
 *   outside it (fd00:ec2::254, 100.100.100.200). IPv4-mapped IPv6 forms of the IPv4 ranges
 *   (::ffff:169.254.169.254) are denied with them: BlockList matches both spellings.
 * - `deny`: more CIDRs to deny. A deny rule always applies.
 * - `allow`: when non-empty, an address must also be inside one of these CIDRs. It narrows what
 *   is reachable; it never re-opens a denied range.
 * Loopback and private ranges are allowed unless an operator denies them.
 */
export interface EgressPolicyOptions {
  deny?: string[];
  allow?: string[];
}

export const EGRESS_DENIED = "ERR_EGRESS_DENIED";

export class EgressDeniedError extends Error {
  override name = "EgressDeniedError";
  readonly code = EGRESS_DENIED;
}

export interface EgressPolicy {
  /** Why `address` (an IP) may not be reached, or null when it may. */
  denial(address: string): string | null;
  /** Throws EgressDeniedError when `host` is an IP literal the policy denies; a name is checked when resolved. */
  checkHost(host: string): void;
  /** A host name or IP literal to the addresses to connect to, every one of them checked. */
  resolve(host: string): Promise<LookupAddress[]>;
  /**
   * `resolve` in the shape of the `lookup` option of net, tls and undici. Node calls `lookup` only
   * for names, never for IP literals: callers check those with `checkHost` first.
   */
  lookup: LookupFunction;
}

const BUILT_IN_DENY = [
  "0.0.0.0/8",
  "::/128",
  "169.254.0.0/16",
  "fe80::/10",
  // Cloud metadata outside link-local: AWS's IPv6 endpoint, Alibaba Cloud's.
  "fd00:ec2::254/128",
  "100.100.100.200/32",
];

interface Rule {
  cidr: string;
  list: BlockList;
}

export function createEgressPolicy(options: EgressPolicyOptions = {}): EgressPolicy {
  const deny = [
    ...BUILT_IN_DENY.map((cidr) => ({ ...parseRule(cidr, "built-in deny"), origin: "built-in" })),
    ...(options.deny ?? []).map((cidr) => ({ ...parseRule(cidr, "deny"), origin: "configured" })),
  ];
  const allow = (options.allow ?? []).map((cidr) => parseRule(cidr, "allow"));

  function denial(address: string): string | null {
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    const denied = deny.find((rule) => rule.list.check(address, family));
    if (denied) return `${address} is in ${denied.cidr} (${denied.origin} deny rule)`;
    if (allow.length > 0 && !allow.some((rule) => rule.list.check(address, family))) {
      return `${address} is not in the allow list (${allow.map((rule) => rule.cidr).join(", ")})`;
    }
    return null;
  }

  function check(address: string, host: string): void {
    const reason = denial(address);
    if (reason === null) return;
    const resolved = address === host ? "" : ` (resolved from ${host})`;
    throw new EgressDeniedError(`egress policy denies the connection: ${reason}${resolved}`);
  }

  function checkHost(host: string): void {
    const literal = unbracket(host);
    if (isIP(literal)) check(literal, literal);
  }

  async function resolve(host: string): Promise<LookupAddress[]> {
    const literal = unbracket(host);
    const family = isIP(literal);
    const addresses = family ? [{ address: literal, family }] : await dnsLookup(literal, { all: true });
    for (const { address } of addresses) check(address, literal);
    return addresses;
  }

  const lookup: LookupFunction = (hostname, lookupOptions: LookupOptions, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const wanted = familyNumber(lookupOptions.family);
        const usable = wanted ? addresses.filter((entry) => entry.family === wanted) : addresses;
        if (lookupOptions.all) return callback(null, usable);
        const first = usable[0];
        if (!first) return callback(noAddressError(hostname, wanted), "");
        callback(null, first.address, first.family);
      },
      (error) => callback(error, ""),
    );
  };

  return { denial, checkHost, resolve, lookup };
}

/** "10.0.0.0/8", "fd00::/8" or a single address ("127.0.0.2" is 127.0.0.2/32). */
function parseRule(text: string, listName: string): Rule {
  const [address = "", prefixText, ...rest] = text.trim().split("/");
  const family = isIP(address);
  const maxPrefix = family === 6 ? 128 : 32;
  const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  if (!family || rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) {
    throw new Error(`egress ${listName} list: "${text}" is not an IP address or CIDR range`);
  }
  const list = new BlockList();
  list.addSubnet(address, prefix, family === 6 ? "ipv6" : "ipv4");
  return { cidr: `${address}/${prefix}`, list };
}

/** URL hosts spell IPv6 literals in brackets: [::1]. */
function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function familyNumber(family: LookupOptions["family"]): number {
  if (family === "IPv4") return 4;
  if (family === "IPv6") return 6;
  return family ?? 0;
}

function noAddressError(hostname: string, family: number): NodeJS.ErrnoException {
  return Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: "ENOTFOUND" });
}
