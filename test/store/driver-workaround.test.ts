import { describe, expect, it } from "vitest";
import { isClosedConnectionWrite } from "../../src/store/driver-workaround";

/** An error as the driver's timer throws it, with the stack it has. */
function thrownAt(error: Error, file: string): Error {
  error.stack = `${error.name}: ${error.message}\n    at nextWrite (${file}:255:12)\n    at listOnTimeout (node:internal/timers:581:17)`;
  return error;
}

describe("the postgres driver's write to a closed connection", () => {
  it("is recognised by its message and the driver's file", () => {
    const error = new TypeError("Cannot read properties of null (reading 'write')");
    expect(isClosedConnectionWrite(thrownAt(error, "/app/node_modules/postgres/src/connection.js"))).toBe(
      true,
    );
    expect(
      isClosedConnectionWrite(thrownAt(error, "C:\\app\\node_modules\\postgres\\cjs\\src\\connection.js")),
    ).toBe(true);
  });

  it("is not any other error: those still end the process", () => {
    const elsewhere = new TypeError("Cannot read properties of null (reading 'write')");
    expect(isClosedConnectionWrite(thrownAt(elsewhere, "/app/src/destinations/syslog/stream.ts"))).toBe(
      false,
    );
    const other = new TypeError("Cannot read properties of undefined (reading 'rows')");
    expect(isClosedConnectionWrite(thrownAt(other, "/app/node_modules/postgres/src/connection.js"))).toBe(
      false,
    );
    expect(isClosedConnectionWrite(new Error("boom"))).toBe(false);
    expect(isClosedConnectionWrite("a string")).toBe(false);
  });
});
