/**
 * An SVG bar chart of where the time goes: per configuration, the first single file by engine
 * and the stream by engine, each bar split into stages. Written by hand, so the benchmark
 * needs no plotting package.
 */
import { configLabel } from "./format.js";
import type { BenchReport, ConfigResult } from "./types.js";

interface Bar {
  label: string;
  /** Stage name and milliseconds, drawn left to right. */
  parts: Array<[Stage, number]>;
}

interface Panel {
  title: string;
  bars: Bar[];
}

type Stage = "load" | "mel" | "encode" | "decode" | "transcribe" | "other";

const COLORS: Record<Stage, string> = {
  load: "#9c9c9c",
  mel: "#edc948",
  encode: "#4e79a7",
  decode: "#59a14f",
  transcribe: "#76b7b2",
  other: "#e15759",
};

const LEGEND: Record<Stage, string> = {
  load: "model load",
  mel: "mel",
  encode: "encoder",
  decode: "decoder",
  transcribe: "transcription",
  other: "process start, I/O, overhead",
};

const WIDTH = 960;
const LABEL_WIDTH = 330;
const VALUE_WIDTH = 80;
const BAR_HEIGHT = 18;
const BAR_GAP = 6;
const TITLE_HEIGHT = 26;
const PANEL_GAP = 18;
/** Estimated width of one 12 px sans-serif character, for laying out the legend. */
const CHARACTER_WIDTH = 6.5;

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Stage parts of a bar, with whatever the stages do not cover drawn as "other". */
function withOther(total: number, parts: Array<[Stage, number | null]>): Array<[Stage, number]> {
  const known = parts.filter((part): part is [Stage, number] => part[1] !== null && part[1] > 0);
  const covered = known.reduce((sum, [, ms]) => sum + ms, 0);
  return total > covered ? [...known, ["other", total - covered]] : known;
}

function filePanel(config: ConfigResult): Panel | null {
  const file = config.files[0];
  if (!file) return null;
  const bars = file.rows.map((row) => ({
    label: row.engine,
    parts: withOther(row.wallMs, [
      ["load", row.loadMs],
      ["mel", row.melMs],
      ["encode", row.encodeMs],
      ["decode", row.decodeMs],
    ]),
  }));
  return { title: `${configLabel(config)}: ${file.input} (${file.seconds.toFixed(1)} s), model not loaded yet, ms`, bars };
}

function streamPanel(config: ConfigResult): Panel | null {
  const stream = config.stream;
  if (!stream) return null;
  const names: Record<string, string> = {
    "rex-full": "rex",
    "rex-fit": "rex, fitted window",
    "whisper-cli-full": "whisper-cli per utterance",
    "whisper-cli-fit": "whisper-cli per utterance, -ac",
    "whisper-cli-batch": "whisper-cli, all files in one process",
    "nodejs-whisper": "nodejs-whisper per utterance",
  };
  const bars = stream.rows.map((row) => ({
    label: names[row.variant],
    parts: withOther(row.totalMs, [
      ["load", row.loadMs],
      ["transcribe", row.transcribeMs],
    ]),
  }));
  return { title: `${configLabel(config)}: stream of ${stream.utterances} utterances, ms`, bars };
}

function panelHeight(panel: Panel): number {
  return TITLE_HEIGHT + panel.bars.length * (BAR_HEIGHT + BAR_GAP);
}

function drawPanel(panel: Panel, top: number): string[] {
  const max = Math.max(1, ...panel.bars.map((bar) => bar.parts.reduce((sum, [, ms]) => sum + ms, 0)));
  const scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH) / max;
  const out = [`<text x="0" y="${top + 16}" font-weight="bold">${escapeXml(panel.title)}</text>`];
  panel.bars.forEach((bar, index) => {
    const y = top + TITLE_HEIGHT + index * (BAR_HEIGHT + BAR_GAP);
    out.push(`<text x="${LABEL_WIDTH - 8}" y="${y + 13}" text-anchor="end">${escapeXml(bar.label)}</text>`);
    let x = LABEL_WIDTH;
    for (const [stage, ms] of bar.parts) {
      const width = ms * scale;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLORS[stage]}">` +
          `<title>${LEGEND[stage]}: ${Math.round(ms)} ms</title></rect>`,
      );
      x += width;
    }
    const total = bar.parts.reduce((sum, [, ms]) => sum + ms, 0);
    out.push(`<text x="${(x + 6).toFixed(1)}" y="${y + 13}">${Math.round(total)}</text>`);
  });
  return out;
}

/** Renders the chart for `report`, or null when it has nothing to draw. */
export function renderChart(report: BenchReport): string | null {
  const panels = report.configs
    .flatMap((config) => [filePanel(config), streamPanel(config)])
    .filter((panel): panel is Panel => panel !== null);
  if (panels.length === 0) return null;
  const body: string[] = [];
  let top = 0;
  for (const panel of panels) {
    body.push(...drawPanel(panel, top));
    top += panelHeight(panel) + PANEL_GAP;
  }
  let x = 0;
  for (const stage of Object.keys(COLORS) as Stage[]) {
    body.push(`<rect x="${x}" y="${top}" width="12" height="12" fill="${COLORS[stage]}"/>`);
    body.push(`<text x="${x + 17}" y="${top + 11}">${escapeXml(LEGEND[stage])}</text>`);
    x += 17 + LEGEND[stage].length * CHARACTER_WIDTH + 18;
  }
  const height = top + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}"`,
    ` font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}
