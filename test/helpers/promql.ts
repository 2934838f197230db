/**
 * The metric names a PromQL expression reads, for checking dashboards and alert rules against what
 * a sidecar really exports. Not a PromQL parser: it removes what is not a metric name (strings, label
 * matchers, ranges, grouping clauses, function and aggregation names, keywords, Grafana variables)
 * and keeps the identifiers left. Grafana's `label_values(metric, label)` keeps only its metric.
 */
const KEYWORDS = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "inf", "nan", "atan2"]);

export function metricNames(expr: string): string[] {
  let s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ") // strings
    .replace(/\blabel_values\(\s*([^,)]+?)\s*(?:,[^)]*)?\)/g, " $1 ") // Grafana: label_values(metric, label)
    .replace(/\{[^}]*\}/g, " ") // label matchers
    .replace(/\[[^\]]*\]/g, " ") // ranges and subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ") // grouping labels
    .replace(/\$\{?\w+\}?/g, " "); // Grafana variables
  s = s.replace(/[a-zA-Z_:][\w:]*\s*\(/g, " ("); // function and aggregation names
  const names = new Set<string>();
  for (const m of s.matchAll(/(?<![\w.])[a-zA-Z_:][\w:]*/g)) if (!KEYWORDS.has(m[0].toLowerCase())) names.add(m[0]);
  return [...names];
}

/** Every sample name in a Prometheus text exposition (histograms give `_bucket`, `_sum`, `_count`). */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^[a-zA-Z_:][\w:]*/.exec(line);
    if (m) names.add(m[0]);
  }
  return names;
}
