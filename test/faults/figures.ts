/** One fault run's figures, for the table each fault file prints when it ends. */
export interface FaultFigures {
  fault: string;
  store: string;
  /** Events accepted (202) and expected at the receiver. */
  events: number;
  lost: number;
  /** Requests beyond the first for an event. */
  duplicates: number;
  /** Requests the receiver had open at the fault and never answered, and claims Herald handed back after it. */
  inFlight?: string;
  /** Seconds from the fault (or the restart) to the first claim handed back. */
  handedBackS?: number;
  /** Seconds from the fault (or the restart) to the first handed-back delivery sent again. */
  recoveryS?: number;
  /** Ingest requests made during the run, and how many Herald answered with a 5xx. */
  requests?: number;
  fiveXx?: number;
}

const rows: FaultFigures[] = [];

export function recordFigures(figures: FaultFigures) {
  rows.push(figures);
}

/** Prints the runs of this file as Markdown rows (the closing note's table). */
export function printFigures() {
  if (rows.length === 0) return;
  const cell = (value: unknown) => (value === undefined ? "–" : String(value));
  const lines = [
    "| fault | store | events | lost | duplicates | in flight at the fault (cut off / handed back) | handed back s | sent again s | requests | 5xx |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((row) =>
      [
        row.fault,
        row.store,
        row.events,
        row.lost,
        row.duplicates,
        row.inFlight,
        row.handedBackS?.toFixed(1),
        row.recoveryS?.toFixed(1),
        row.requests,
        row.fiveXx,
      ]
        .map(cell)
        .join(" | ")
        .replace(/^/, "| ")
        .replace(/$/, " |"),
    ),
  ];
  console.log(lines.join("\n"));
}
