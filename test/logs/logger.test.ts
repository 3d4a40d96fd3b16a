import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger";
import { parseLines } from "./log-lines";

describe("the logger", () => {
  it("writes one JSON line per entry: level as a word, the message before the fields, a child's bindings", () => {
    const lines: string[] = [];
    const log = createLogger("debug", { write: (line: string) => void lines.push(line) });
    log.child({ component: "delivery" }).warn("delivery failed", { webhook_id: "w1", attempt: 2 });
    log.debug("quiet");
    expect(lines[0]).toMatch(
      /"level":"warn".*"component":"delivery","message":"delivery failed","webhook_id":"w1"/,
    );
    expect(parseLines(lines).map((line) => [line.level, line.message])).toEqual([
      ["warn", "delivery failed"],
      ["debug", "quiet"],
    ]);
  });

  it("masks fields named like a credential wherever a caller put them", () => {
    const lines: string[] = [];
    const log = createLogger("info", { write: (line: string) => void lines.push(line) });
    log.info("careless", {
      password: "pw-1",
      auth: { token: "tok-1" },
      headers: { authorization: "Bearer b-1" },
    });
    expect(lines.join("")).not.toMatch(/pw-1|tok-1|b-1/);
    expect(parseLines(lines)[0]).toMatchObject({ password: "********", auth: { token: "********" } });
  });

  it("writes nothing below its level", () => {
    const lines: string[] = [];
    const log = createLogger("error", { write: (line: string) => void lines.push(line) });
    log.info("dropped");
    log.warn("dropped too");
    log.error("kept");
    expect(parseLines(lines).map((line) => line.message)).toEqual(["kept"]);
  });

  it("says which levels it writes, a child as its parent", () => {
    const log = createLogger("warn", { write: () => {} });
    const child = log.child({ component: "delivery" });
    expect((["debug", "info", "warn", "error"] as const).map((level) => child.enabled(level))).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });
});
