import type { Command } from "commander";

import { listDevices, type DeviceInfo } from "../../audio/devices.js";
import { loadSettings } from "../../config/load.js";
import { runAction, setUpLogging } from "../run.js";

export function registerDevices(program: Command): void {
  program
    .command("devices")
    .description("list audio capture and playback devices")
    .option("--json", "print the list as JSON")
    .action(runAction(showDevices));
}

async function showDevices(flags: { json?: boolean }): Promise<void> {
  setUpLogging(loadSettings(process.env));
  const list = listDevices();
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  const lines = [`backend: ${list.backend}`, "capture:", ...describe(list.capture), "playback:", ...describe(list.playback)];
  process.stdout.write(`${lines.join("\n")}\n`);
}

function describe(devices: DeviceInfo[]): string[] {
  if (devices.length === 0) return ["  (none)"];
  return devices.map((device) => {
    const id = device.id ? `  [${device.id}]` : "";
    return `  ${device.isDefault ? "*" : " "} ${device.index}: ${device.name}${id}`;
  });
}
