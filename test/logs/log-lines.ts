import { expect } from "vitest";

/** One line of Herald's log as written: a JSON object with a level, a time and a message. */
export interface LogLine {
  level: string;
  time: string;
  message: string;
  [field: string]: unknown;
}

/** The captured lines, each checked to be one JSON object on a line of its own. */
export function parseLines(lines: string[]): LogLine[] {
  return lines.map((line) => {
    expect(line.endsWith("\n") && !line.slice(0, -1).includes("\n"), line).toBe(true);
    const parsed = JSON.parse(line);
    expect(parsed, line).toMatchObject({
      level: expect.any(String),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      message: expect.any(String),
    });
    return parsed;
  });
}

/** The lines the gateway wrote about requests (the request log's, one per request). */
export function requestLines(lines: string[]): LogLine[] {
  return parseLines(lines).filter((line) => typeof line.request_id === "string" && "status" in line);
}
