import { spawnSync } from "node:child_process";
import { availableParallelism, cpus, release, totalmem, type } from "node:os";

import type { BenchReport } from "./types.js";

/** CPU model name as lscpu prints it, else as Node reports it. */
function cpuModel(): string {
  const lscpu = spawnSync("lscpu", [], { encoding: "utf8" });
  const line = lscpu.status === 0 ? /^Model name:\s*(.+)$/m.exec(lscpu.stdout) : null;
  return line ? line[1].trim() : (cpus()[0]?.model ?? "unknown");
}

/** Describes the machine the benchmark runs on. The caller adds the load averages. */
export function describeMachine(): Omit<BenchReport["machine"], "loadAverage"> {
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
  };
}

/** espeak-ng's version line, or null when it does not run. */
export function espeakVersion(): string | null {
  const result = spawnSync("espeak-ng", ["--version"], { encoding: "utf8" });
  const match = result.status === 0 ? /text-to-speech:\s*(\S+)/.exec(result.stdout) : null;
  return match ? match[1] : null;
}
