import { describe, expect, it, vi } from "vitest";
import { FORMATS } from "../src/formats/registry";
import { createTemplateEngine } from "../src/templates/handlebars";

const engine = createTemplateEngine(FORMATS);
const render = (source: string, context: Record<string, unknown> = {}) =>
  engine.compile(source)(context as never);

describe("the template engine", () => {
  const format = (name: string, helpers: Record<string, () => string>) =>
    ({ ...FORMATS[0], name, helpers }) as (typeof FORMATS)[number];

  it("refuses two formats' helpers of one name, naming both", () => {
    const clash = [format("alpha", { shout: () => "A" }), format("beta", { shout: () => "B" })];
    expect(() => createTemplateEngine(clash)).toThrow(
      `the beta format's helper "shout" is taken by the alpha format`,
    );
  });

  it("refuses a format's helper named like a generic or a Handlebars helper", () => {
    expect(() => createTemplateEngine([format("alpha", { json: () => "" })])).toThrow(/generic helpers/);
    expect(() => createTemplateEngine([format("alpha", { each: () => "" })])).toThrow(/Handlebars/);
  });
});

describe("template helpers", () => {
  const time = "2026-02-05T07:08:09.123Z";

  it("date formats a time as iso, epoch, epochMillis, rfc3164 or a pattern, in UTC", () => {
    expect(render('{{date t "iso"}}', { t: time })).toBe(time);
    expect(render('{{date t "epoch"}}', { t: time })).toBe("1770275289");
    expect(render('{{date t "epochMillis"}}', { t: time })).toBe("1770275289123");
    expect(render('{{date t "rfc3164"}}', { t: time })).toBe("Feb  5 07:08:09");
    expect(render('{{date t "YYYY-MM-DD HH:mm:ss.SSS"}}', { t: time })).toBe("2026-02-05 07:08:09.123");
    expect(render("{{date t}}", { t: time })).toBe(time);
  });

  it("json writes any value as JSON, missing values as null", () => {
    expect(render("{{json v}}", { v: { a: [1, 'x"y'] } })).toBe('{"a":[1,"x\\"y"]}');
    expect(render("{{json missing}}")).toBe("null");
  });

  it("never HTML-escapes", () => {
    expect(render("{{v}}", { v: `<a href="x">&'</a>` })).toBe(`<a href="x">&'</a>`);
  });

  it("truncate, upper, lower, default, join, eq/ne/gt/lt and flatten", () => {
    expect(render("{{truncate v 5}}", { v: "abcdefgh" })).toBe("abcd…");
    expect(render("{{truncate v 5}}", { v: "🚨🚨🚨🚨🚨🚨" })).toBe("🚨🚨🚨🚨…");
    expect(render("{{upper v}}-{{lower v}}", { v: "MiXed" })).toBe("MIXED-mixed");
    expect(render('{{default a b "fallback"}}', { a: "", b: null })).toBe("fallback");
    expect(render('{{join list " | "}}', { list: ["a", 1, { b: 2 }] })).toBe('a | 1 | {"b":2}');
    expect(render('{{#if (eq a "x")}}eq{{/if}}{{#if (ne a "y")}} ne{{/if}}', { a: "x" })).toBe("eq ne");
    expect(render("{{#if (gt n 3)}}gt{{/if}}{{#if (lt n 3)}}lt{{/if}}", { n: 5 })).toBe("gt");
    expect(
      render("{{#each (flatten d)}}{{@key}}={{this}};{{/each}}", { d: { a: { b: 1 }, c: [2, 3] } }),
    ).toBe("a.b=1;c.0=2;c.1=3;");
  });

  it("the severity mappings of every format are available to every template", () => {
    expect(render("{{cefSeverity s}} {{syslogSeverity s}} {{leefSeverity s}}", { s: "critical" })).toMatch(
      /^10 2 10$/,
    );
    expect(render("{{slackEmoji s}}", { s: "critical" })).not.toBe("");
    expect(render("{{teamsColor s}}", { s: "critical" })).toBe("attention");
  });

  it("compiles each template once", () => {
    expect(engine.compile("{{title}}")).toBe(engine.compile("{{title}}"));
  });
});

describe("templates and the process output", () => {
  it("write nothing to the console: no {{log}}, no prototype-access warnings", () => {
    const written = vi.spyOn(process.stdout, "write");
    const logged = ["log", "info", "warn", "error", "debug"].map((method) =>
      vi.spyOn(console, method as "log").mockImplementation(() => {}),
    );
    try {
      expect(() => engine.compile('{{log "forged"}}')({} as never)).toThrow(/Missing helper/);
      expect(engine.compile("{{constructor.name}}{{data.__proto__}}")({ data: {} } as never)).toBe("");
      for (const spy of [written, ...logged]) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of [written, ...logged]) spy.mockRestore();
    }
  });
});

describe("template nesting and time", () => {
  it("refuses blocks nested deeper than 32, naming the line, before parsing", () => {
    const source = `line one\n${"{{#if a}}".repeat(5000)}${"{{/if}}".repeat(5000)}`;
    const started = performance.now();
    expect(() => engine.compile(source)).toThrow(
      expect.objectContaining({
        name: "TemplateError",
        line: 2,
        message: expect.stringMatching(/at most 32/),
      }),
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("counts subexpressions and ignores braces in comments and raw blocks", () => {
    expect(() => engine.compile(`{{default ${"(default ".repeat(40)}x${")".repeat(40)}}}`)).toThrow(
      /at most 32/,
    );
    expect(() =>
      engine.compile(`{{!-- ${"{{#if a}}".repeat(40)} --}}{{{{raw}}}}${"{{#if}}".repeat(40)}{{{{/raw}}}}ok`),
    ).not.toThrow();
    expect(render(`${"{{#if a}}".repeat(32)}deep${"{{/if}}".repeat(32)}`, { a: true })).toBe("deep");
  });

  it("stops a render that loops past its time limit", () => {
    const limited = createTemplateEngine(FORMATS);
    limited.limitRenderTime(50);
    const rows = Array.from({ length: 60 }, (_, i) => i);
    const bomb = limited.compile(`${"{{#each @root.rows}}".repeat(4)}ab${"{{/each}}".repeat(4)}`);
    expect(() => bomb({ rows } as never)).toThrow(/took longer than 50 ms/);
    expect(limited.compile("{{#each rows}}{{this}}{{/each}}")({ rows: [1, 2] } as never)).toBe("12");
  });
});
