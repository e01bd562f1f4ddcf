import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

import { RexError } from "../errors.js";
import { modelUrl, type ModelEntry } from "./catalog.js";
import { modelPath, hashFile } from "./store.js";

export interface DownloadProgress {
  receivedBytes: number;
  /** From Content-Length; undefined when the server does not send it. */
  totalBytes?: number;
}

export interface PullOptions {
  /** Server folder that holds the ggml files; default: the official one. */
  baseUrl?: string;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Download again even when a verified copy exists. */
  force?: boolean;
}

/**
 * Downloads a catalog model into `dir`, verifies its SHA-1 and only then moves it into place,
 * so an interrupted or corrupt download never looks like a model. Returns the model's path.
 */
export async function pullModel(model: ModelEntry, dir: string, options: PullOptions = {}): Promise<string> {
  const target = modelPath(model, dir);
  if (!options.force && (await hasVerifiedCopy(target, model))) return target;

  const url = modelUrl(model, options.baseUrl);
  const partial = `${target}.partial`;
  await mkdir(dirname(target), { recursive: true });
  let response: Response;
  try {
    response = await fetch(url, { signal: options.signal, redirect: "follow" });
  } catch (error) {
    const hint = `Check the network, or copy ${model.file} into ${dir} by hand.`;
    // fetch() reports "fetch failed" and keeps the reason (ENOTFOUND, ECONNREFUSED) in `cause`.
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new RexError("MODEL_DOWNLOAD_FAILED", `cannot download ${url}: ${reason}. ${hint}`, {
      cause: error,
    });
  }
  if (!response.ok || !response.body) {
    throw new RexError("MODEL_DOWNLOAD_FAILED", `cannot download ${url}: HTTP ${response.status} ${response.statusText}`);
  }

  const digest = await saveWithHash(response, partial, model.hash.algorithm, options);
  if (digest !== model.hash.hex) {
    await rm(partial, { force: true });
    const name = model.hash.algorithm.toUpperCase();
    throw new RexError(
      "MODEL_DOWNLOAD_FAILED",
      `downloaded ${model.file} has ${name} ${digest}, expected ${model.hash.hex}: ` +
        "the file was corrupted or replaced, so it was deleted. Try again.",
    );
  }
  await rename(partial, target);
  return target;
}

/** True when `path` exists and matches the model's published checksum. */
export async function hasVerifiedCopy(path: string, model: ModelEntry): Promise<boolean> {
  try {
    return (await hashFile(path, model.hash.algorithm)) === model.hash.hex;
  } catch {
    return false;
  }
}

async function saveWithHash(
  response: Response,
  path: string,
  algorithm: "sha1" | "sha256",
  options: PullOptions,
): Promise<string> {
  const hash = createHash(algorithm);
  const length = Number(response.headers.get("content-length"));
  const progress: DownloadProgress = { receivedBytes: 0, totalBytes: Number.isFinite(length) && length > 0 ? length : undefined };
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      progress.receivedBytes += chunk.length;
      options.onProgress?.(progress);
      callback(null, chunk);
    },
  });
  try {
    const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
    await pipeline(body, meter, createWriteStream(path), { signal: options.signal });
  } catch (error) {
    await rm(path, { force: true });
    throw new RexError("MODEL_DOWNLOAD_FAILED", `download to ${path} failed: ${(error as Error).message}`, { cause: error });
  }
  return hash.digest("hex");
}
