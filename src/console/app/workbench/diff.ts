// A line diff of two templates (the longest common subsequence of their lines), for "Compare
// with default". Templates are short; past MAX_CELLS the comparison is declined rather than slow.

export interface DiffLine {
  kind: "same" | "added" | "removed";
  text: string;
}

/** Lines × lines: 1,000-line templates on both sides, a few megabytes of table. */
const MAX_CELLS = 1_000_000;

/** How `after` differs from `before`, line by line; undefined when they are too long to compare. */
export function diffLines(before: string, after: string): DiffLine[] | undefined {
  const a = before.split("\n");
  const b = after.split("\n");
  const width = b.length + 1;
  if ((a.length + 1) * width > MAX_CELLS) return undefined;
  // common[i * width + j]: the length of the longest common subsequence of a[i..] and b[j..].
  const common = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i * width + j] =
        a[i] === b[j]
          ? (common[(i + 1) * width + j + 1] as number) + 1
          : Math.max(common[(i + 1) * width + j] as number, common[i * width + j + 1] as number);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ kind: "same", text: a[i++] as string });
      j++;
    } else if (
      j < b.length &&
      (i === a.length || (common[i * width + j + 1] as number) >= (common[(i + 1) * width + j] as number))
    ) {
      lines.push({ kind: "added", text: b[j++] as string });
    } else {
      lines.push({ kind: "removed", text: a[i++] as string });
    }
  }
  return lines;
}

/** Unchanged lines further than `context` from a change, folded into one count each run. */
export function folded(lines: DiffLine[], context = 2): (DiffLine | { kind: "folded"; count: number })[] {
  const near = lines.map((_, index) =>
    lines.slice(Math.max(0, index - context), index + context + 1).some((line) => line.kind !== "same"),
  );
  const out: (DiffLine | { kind: "folded"; count: number })[] = [];
  lines.forEach((line, index) => {
    if (near[index]) {
      out.push(line);
      return;
    }
    const last = out[out.length - 1];
    if (last?.kind === "folded") last.count += 1;
    else out.push({ kind: "folded", count: 1 });
  });
  return out;
}
