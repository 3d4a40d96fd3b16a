import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { createEgressPolicy, EGRESS_DENIED } from "../../src/destinations/egress";

describe("egress policy", () => {
  it("denies link-local, cloud metadata, 0.0.0.0 and :: by default, in every spelling", () => {
    const policy = createEgressPolicy();
    expect(policy.denial("169.254.169.254")).toContain("169.254.0.0/16 (built-in deny rule)");
    expect(policy.denial("::ffff:169.254.169.254")).toContain("169.254.0.0/16");
    expect(policy.denial("::ffff:a9fe:a9fe")).toContain("169.254.0.0/16");
    expect(policy.denial("fe80::1")).toContain("fe80::/10");
    expect(policy.denial("0.0.0.0")).toContain("0.0.0.0/8");
    expect(policy.denial("::")).toContain("::/128");
  });

  it("allows loopback and private ranges by default", () => {
    const policy = createEgressPolicy();
    for (const address of [
      "127.0.0.1",
      "::1",
      "10.1.2.3",
      "192.168.1.1",
      "172.16.0.1",
      "fd00::1",
      "8.8.8.8",
    ]) {
      expect(policy.denial(address)).toBeNull();
    }
  });

  it("adds configured deny rules; a single address is a /32", () => {
    const policy = createEgressPolicy({ deny: ["127.0.0.2", "10.0.0.0/8"] });
    expect(policy.denial("127.0.0.2")).toContain("127.0.0.2/32 (configured deny rule)");
    expect(policy.denial("127.0.0.1")).toBeNull();
    expect(policy.denial("10.9.9.9")).toContain("10.0.0.0/8");
    expect(policy.denial("::ffff:10.9.9.9")).toContain("10.0.0.0/8");
  });

  it("with an allow list, allows only inside it, and never re-opens a denied range", () => {
    const policy = createEgressPolicy({ allow: ["10.0.0.0/8", "169.254.0.0/16"], deny: ["10.6.0.0/16"] });
    expect(policy.denial("10.1.1.1")).toBeNull();
    expect(policy.denial("127.0.0.1")).toContain("not in the allow list (10.0.0.0/8, 169.254.0.0/16)");
    expect(policy.denial("10.6.0.1")).toContain("10.6.0.0/16 (configured deny rule)");
    expect(policy.denial("169.254.169.254")).toContain("built-in deny rule");
  });

  it("refuses rules that are not addresses or CIDR ranges", () => {
    expect(() => createEgressPolicy({ deny: ["10.0.0.0/33"] })).toThrow(/egress deny list: "10.0.0.0\/33"/);
    expect(() => createEgressPolicy({ allow: ["example.org"] })).toThrow(/egress allow list/);
  });

  it("checks IP literals, with or without URL brackets", () => {
    const policy = createEgressPolicy();
    expect(() => policy.checkHost("[::ffff:169.254.169.254]")).toThrow(/denies the connection/);
    expect(() => policy.checkHost("127.0.0.1")).not.toThrow();
    expect(() => policy.checkHost("metadata.example")).not.toThrow(); // names are checked once resolved
  });

  it("resolves a name and checks the addresses it resolves to", async () => {
    const denying = createEgressPolicy({ deny: ["127.0.0.0/8"] });
    const error = await denying.resolve("localhost").catch((caught) => caught);
    expect(error.code).toBe(EGRESS_DENIED);
    expect(error.message).toContain(
      "127.0.0.1 is in 127.0.0.0/8 (configured deny rule) (resolved from localhost)",
    );

    const allowing = createEgressPolicy();
    expect(await allowing.resolve("localhost")).toContainEqual({ address: "127.0.0.1", family: 4 });
  });

  it("offers the checked addresses through a lookup function, one or all", async () => {
    const policy = createEgressPolicy();
    const lookup = (all: boolean) =>
      new Promise<{ error: Error | null; address: string | LookupAddress[] }>((resolve) =>
        policy.lookup("localhost", { all }, (error, address) => resolve({ error, address })),
      );
    expect(await lookup(false)).toEqual({ error: null, address: "127.0.0.1" });
    expect((await lookup(true)).address).toContainEqual({ address: "127.0.0.1", family: 4 });
  });
});
