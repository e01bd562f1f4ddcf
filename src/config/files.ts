import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseEnv } from "node:util";

import { RexError } from "../errors.js";

/** Returns the config file path: REX_CONFIG, or rex.config.json in the working folder. */
export function configFilePath(env: NodeJS.ProcessEnv, cwd: string): string {
  return env.REX_CONFIG ? resolve(cwd, env.REX_CONFIG) : join(cwd, "rex.config.json");
}

/**
 * Reads the config file as a JSON object, or returns {} when it does not exist. A file that
 * is not a JSON object throws CONFIG_INVALID naming the file.
 */
export function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new RexError("CONFIG_INVALID", `config file ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new RexError("CONFIG_INVALID", `config file ${path} must contain a JSON object of settings`);
  }
  return parsed as Record<string, unknown>;
}

/** Variables from `.env` in `cwd`, or {} when there is none. */
export function readDotEnv(cwd: string): Record<string, string> {
  const path = join(cwd, ".env");
  if (!existsSync(path)) return {};
  try {
    return parseEnv(readFileSync(path, "utf8")) as Record<string, string>;
  } catch (error) {
    throw new RexError("CONFIG_INVALID", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Writes the config object as formatted JSON, replacing the file in one rename. */
export function writeConfigFile(path: string, config: Record<string, unknown>): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`);
  renameSync(temporary, path);
}
