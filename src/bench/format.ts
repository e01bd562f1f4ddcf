/** Number formats and plain-text tables shared by the terminal and Markdown reports. */
import type { ConfigKey } from "./types.js";

/** Returns the name the reports give a configuration, such as "tiny.en, 2 threads, cpu". */
export function configLabel(config: ConfigKey): string {
  return `${config.model}, ${config.threads} threads, ${config.backend}${config.flashAttention ? ", flash attention" : ", no flash attention"}`;
}

/** True when `a` and `b` name the same configuration. */
export function sameConfig(a: ConfigKey, b: ConfigKey): boolean {
  return a.model === b.model && a.threads === b.threads && a.backend === b.backend && a.flashAttention === b.flashAttention;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return "–";
  return ms >= 100 ? `${Math.round(ms)}` : ms.toFixed(1);
}

export function formatRatio(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? "–" : `${value.toFixed(2)}×`;
}

export function formatPercent(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? "–" : `${(value * 100).toFixed(1)}%`;
}

export function formatMB(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? "–" : `${Math.round(value)}`;
}

export function formatSeconds(seconds: number): string {
  return `${seconds.toFixed(1)} s`;
}

/** Lays out rows under headers with columns padded to the widest cell. Numeric columns align right. */
export function textTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)));
  const numeric = headers.map((_, column) => rows.length > 0 && rows.every((row) => /^[-–\d.,×%]*$/.test(row[column] ?? "")));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

/** Renders a GitHub-flavoured Markdown table. Numeric columns align right. */
export function markdownTable(headers: string[], rows: string[][]): string {
  const numeric = headers.map((_, column) => rows.length > 0 && rows.every((row) => /^[-–\d.,×%]*$/.test(row[column] ?? "")));
  const escape = (cell: string) => cell.replace(/\|/g, "\\|");
  return [
    `| ${headers.map(escape).join(" | ")} |`,
    `| ${numeric.map((right) => (right ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
  ].join("\n");
}
