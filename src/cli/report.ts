/** How one check of `herald doctor` went: skip is a check that could not run, and says why. */
export type Status = "ok" | "warn" | "FAIL" | "skip";

/** One line of the report: what was checked, how it went, and what to do about it. */
export interface Finding {
  status: Status;
  check: string;
  message: string;
  todo?: string;
}

export type Report = (finding: Finding) => void;

/** A multi-line message (a parse error with its excerpt, a list of settings) on one line. */
export function oneLine(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !/^-*\^$/.test(line))
    .join("; ");
}

export function printFinding(finding: Finding): void {
  const todo = finding.todo ? ` → ${finding.todo}` : "";
  process.stdout.write(`${finding.status.padEnd(4)}  ${finding.check}: ${finding.message}${todo}\n`);
}
