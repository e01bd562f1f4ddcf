import { createHash } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

import { RexError } from "../errors.js";
import { findModel, MODEL_CATALOG, type ModelEntry } from "./catalog.js";

/**
 * Folder that holds downloaded models: REX_MODELS_DIR when set, else the user's cache folder
 * (XDG_CACHE_HOME or ~/.cache, then rex/models). The caller passes the environment in.
 */
export function modelsDir(env: NodeJS.ProcessEnv = {}): string {
  if (env.REX_MODELS_DIR) return resolve(env.REX_MODELS_DIR);
  const cacheHome = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : join(env.HOME ?? homedir(), ".cache");
  return join(cacheHome, "rex", "models");
}

/** Path where a catalog model is or would be stored. */
export function modelPath(model: ModelEntry, dir: string): string {
  return join(dir, model.file);
}

/** True when `value` names a file rather than a catalog model. */
export function looksLikePath(value: string): boolean {
  return value.includes("/") || value.includes("\\") || value.endsWith(".bin") || value.startsWith(".");
}

/**
 * Resolves `--model` to a file: a path is used as given, and a catalog name maps to the models
 * folder. Throws MODEL_NOT_FOUND with the command that fixes it.
 */
export function resolveModelFile(nameOrPath: string, dir: string): string {
  if (looksLikePath(nameOrPath)) {
    const path = resolve(nameOrPath);
    if (!existsSync(path)) throw new RexError("MODEL_NOT_FOUND", `model file not found: '${path}'`);
    return path;
  }
  const model = findModel(nameOrPath);
  if (!model) {
    const names = MODEL_CATALOG.map((entry) => entry.name).join(", ");
    throw new RexError("MODEL_NOT_FOUND", `unknown model '${nameOrPath}': use one of ${names}, or a file path`);
  }
  const path = modelPath(model, dir);
  if (!existsSync(path)) {
    throw new RexError(
      "MODEL_NOT_FOUND",
      `model '${model.name}' is not downloaded (looked for ${path}): run \`rex models pull ${model.name}\``,
    );
  }
  return path;
}

/** Names of catalog models present in `dir`. */
export function installedModels(dir: string): ModelEntry[] {
  return MODEL_CATALOG.filter((model) => {
    const path = modelPath(model, dir);
    return existsSync(path) && statSync(path).size > 0;
  });
}

/** Digest of a file, as lowercase hex. */
export async function hashFile(path: string, algorithm: "sha1" | "sha256"): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
