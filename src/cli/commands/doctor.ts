import type { Command } from "commander";

import { loadSettings } from "../../config/load.js";
import { runChecks, type CheckResult } from "../../doctor/checks.js";
import { EXIT_FAILURE, runAction, setUpLogging } from "../run.js";

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("check the addon, models, audio devices, espeak-ng, the LLM endpoint and the settings")
    .option("--json", "print the results as JSON")
    .action(runAction(doctor));
}

async function doctor(flags: { json?: boolean }): Promise<number> {
  let settings;
  try {
    settings = loadSettings(process.env);
  } catch (error) {
    const result: CheckResult = { name: "settings", ok: false, detail: (error as Error).message };
    print([result], flags.json ?? false);
    return EXIT_FAILURE;
  }
  setUpLogging(settings);
  const results = [{ name: "settings", ok: true, detail: "valid" }, ...(await runChecks(settings))];
  print(results, flags.json ?? false);
  return results.every((result) => result.ok) ? 0 : EXIT_FAILURE;
}

function print(results: CheckResult[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  for (const result of results) {
    const fix = result.fix ? `\n      fix: ${result.fix}` : "";
    process.stdout.write(`${result.ok ? "ok  " : "FAIL"}  ${result.name}: ${result.detail}${fix}\n`);
  }
}
