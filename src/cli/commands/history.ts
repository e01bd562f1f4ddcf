import type { Command } from "commander";

import { loadSettings } from "../../config/load.js";
import { exportHistory } from "../../memory/export.js";
import { runAction, setUpLogging } from "../run.js";

interface ExportFlags {
  user?: string;
  format: string;
  from?: string;
  to?: string;
}

export function registerHistory(program: Command): void {
  const history = program.command("history").description("read conversation transcripts");
  history
    .command("export")
    .description("print the transcripts of a user as text or JSON")
    .option("-u, --user <name>", "profile name or alias (default: REX_ACTIVE_USER)")
    .option("-f, --format <format>", "text or json", "text")
    .option("--from <date>", "first day, as YYYY-MM-DD")
    .option("--to <date>", "last day, as YYYY-MM-DD")
    .action(runAction(exportTranscripts));
}

async function exportTranscripts(flags: ExportFlags): Promise<void> {
  const settings = loadSettings(process.env);
  setUpLogging(settings);
  if (flags.format !== "text" && flags.format !== "json") {
    throw new RangeError(`--format must be text or json, got '${flags.format}'`);
  }
  const text = await exportHistory({
    root: settings.dataDir,
    user: flags.user ?? settings.activeUser,
    format: flags.format,
    from: flags.from,
    to: flags.to,
  });
  process.stdout.write(text.endsWith("\n") || text === "" ? text : `${text}\n`);
}
