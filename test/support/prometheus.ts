/**
 * A strict parser of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): it throws on anything the
 * format does not allow, so a test that parses a scrape also checks that the scrape is valid.
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}

export interface MetricFamily {
  name: string;
  help?: string;
  type: MetricType;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(["counter", "gauge", "histogram", "summary", "untyped"]);

/** The family a sample name belongs to, given the family's type (histograms own _bucket, _sum, _count). */
function familyOf(sampleName: string, families: Map<string, MetricFamily>): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = sampleName.slice(0, -suffix.length);
    const type = families.get(base)?.type;
    if (type === "histogram" || (type === "summary" && suffix !== "_bucket")) return base;
  }
  return sampleName;
}

function parseValue(text: string, line: number): number {
  // Values are read as Go's strconv.ParseFloat reads them: NaN and Inf in any case
  // (prom-client writes "Nan").
  if (/^[+]?inf(inity)?$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text))
    throw new Error(`line ${line}: bad value "${text}"`);
  return Number(text);
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\"));
}

/** Parses `{a="x",b="y"}` starting at `start` (the brace); returns the labels and the index after `}`. */
function parseLabels(text: string, start: number, line: number) {
  const labels: Record<string, string> = {};
  let i = start + 1;
  const fail = (why: string): never => {
    throw new Error(`line ${line}: ${why} in "${text}"`);
  };
  for (;;) {
    if (text[i] === "}") return { labels, end: i + 1 };
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
    if (!nameMatch) fail("bad label name");
    const name = (nameMatch as RegExpExecArray)[0];
    if (!LABEL_NAME.test(name) || name.startsWith("__")) fail(`reserved or bad label name ${name}`);
    if (Object.hasOwn(labels, name)) fail(`label ${name} twice`);
    i += name.length;
    if (text[i] !== "=" || text[i + 1] !== '"') fail(`expected ="after ${name}`);
    i += 2;
    let value = "";
    for (;;) {
      const c = text[i];
      if (c === undefined) fail("unterminated label value");
      if (c === '"') break;
      if (c === "\\") {
        const next = text[i + 1];
        if (next === "\\") value += "\\";
        else if (next === '"') value += '"';
        else if (next === "n") value += "\n";
        else fail(`bad escape \\${next}`);
        i += 2;
        continue;
      }
      value += c;
      i += 1;
    }
    labels[name] = value;
    i += 1;
    if (text[i] === ",") i += 1;
    else if (text[i] !== "}") fail("expected , or }");
  }
}

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (text !== "" && !text.endsWith("\n")) throw new Error("the exposition must end with a line feed");
  const families = new Map<string, MetricFamily>();
  const closed = new Set<string>();
  const seenSeries = new Set<string>();
  const typed = new Set<string>();
  let current: string | undefined;
  const family = (name: string): MetricFamily => {
    let found = families.get(name);
    if (!found) {
      found = { name, type: "untyped", samples: [] };
      families.set(name, found);
    }
    return found;
  };
  const enter = (name: string, line: number) => {
    if (current === name) return;
    if (current !== undefined) closed.add(current);
    if (closed.has(name)) throw new Error(`line ${line}: samples of ${name} are not grouped together`);
    current = name;
  };

  text.split("\n").forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    if (raw.startsWith("#")) {
      const match = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (!match) return; // any other comment
      const [, keyword, name = "", rest = ""] = match;
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
      const entry = family(name);
      if (keyword === "HELP") {
        if (entry.help !== undefined) throw new Error(`line ${line}: second HELP for ${name}`);
        entry.help = unescapeHelp(rest);
      } else {
        const type = rest.trim() as MetricType;
        if (!TYPES.has(type)) throw new Error(`line ${line}: unknown type ${rest}`);
        if (entry.samples.length > 0) throw new Error(`line ${line}: TYPE for ${name} after its samples`);
        if (typed.has(name)) throw new Error(`line ${line}: second TYPE for ${name}`);
        typed.add(name);
        entry.type = type;
      }
      enter(name, line);
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
    if (!nameMatch) throw new Error(`line ${line}: bad sample "${raw}"`);
    const sampleName = nameMatch[0];
    let rest = raw.slice(sampleName.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith("{")) {
      const parsed = parseLabels(raw, sampleName.length, line);
      labels = parsed.labels;
      rest = raw.slice(parsed.end);
    }
    const fields = rest.trim().split(/[ \t]+/);
    if (!/^[ \t]/.test(rest) || fields.length < 1 || fields.length > 2) {
      throw new Error(`line ${line}: expected a value and an optional timestamp in "${raw}"`);
    }
    const value = parseValue(fields[0] as string, line);
    const timestamp = fields[1] === undefined ? undefined : Number.parseInt(fields[1], 10);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new Error(`line ${line}: bad timestamp`);
    const name = familyOf(sampleName, families);
    const entry = family(name);
    enter(name, line);
    if (entry.type === "histogram" && sampleName === `${name}_bucket` && labels.le === undefined) {
      throw new Error(`line ${line}: histogram bucket without le`);
    }
    const series = `${sampleName}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSeries.has(series)) throw new Error(`line ${line}: duplicate series ${series}`);
    seenSeries.add(series);
    entry.samples.push({
      name: sampleName,
      labels,
      value,
      ...(timestamp === undefined ? {} : { timestamp }),
    });
  });
  return families;
}

/** The samples of `name` whose labels include `labels`. */
export function samples(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): Sample[] {
  const all = [...families.values()].flatMap((family) => family.samples);
  return all.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** The value of the one sample of `name` with `labels`; undefined when there is none, an error when several. */
export function value(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samples(families, name, labels);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/**
 * Checks every series of histogram `name`: buckets in increasing `le`, cumulative counts, the
 * last bucket +Inf and equal to _count, a _sum. Returns the series' label sets with their count.
 */
export function checkHistogram(families: Map<string, MetricFamily>, name: string) {
  const family = families.get(name);
  if (family?.type !== "histogram") throw new Error(`${name} is not a histogram`);
  const key = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([label]) => label !== "le")
        .sort(),
    );
  const series = new Map<string, { labels: Record<string, string>; buckets: Sample[] }>();
  for (const sample of family.samples.filter((s) => s.name === `${name}_bucket`)) {
    const { le: _le, ...labels } = sample.labels;
    const entry = series.get(key(sample.labels)) ?? { labels, buckets: [] };
    entry.buckets.push(sample);
    series.set(key(sample.labels), entry);
  }
  return [...series.values()].map(({ labels, buckets }) => {
    const bounds = buckets.map((bucket) => parseValue(bucket.labels.le as string, 0));
    for (let i = 1; i < buckets.length; i++) {
      if (!((bounds[i] as number) > (bounds[i - 1] as number))) throw new Error(`${name}: le not increasing`);
      if ((buckets[i] as Sample).value < (buckets[i - 1] as Sample).value) {
        throw new Error(`${name}${key(labels)}: buckets not cumulative`);
      }
    }
    const last = buckets.at(-1);
    if (last?.labels.le !== "+Inf") throw new Error(`${name}${key(labels)}: the last bucket is not +Inf`);
    const count = value(families, `${name}_count`, labels);
    if (count !== last.value)
      throw new Error(`${name}${key(labels)}: +Inf bucket ${last.value} ≠ count ${count}`);
    if (value(families, `${name}_sum`, labels) === undefined)
      throw new Error(`${name}${key(labels)}: no _sum`);
    return { labels, count };
  });
}
