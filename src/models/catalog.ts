/**
 * The official ggml Whisper models: file names, download address and the SHA-1 sums published
 * in whisper.cpp's models/README.md (whisper.cpp 1.9.1). The weights are OpenAI's, under the
 * MIT licence.
 */
export interface ModelEntry {
  name: string;
  file: string;
  kind: "whisper" | "vad";
  /** Published checksum of the file. */
  hash: { algorithm: "sha1" | "sha256"; hex: string };
  /** Approximate size in MiB, for listings and progress. */
  sizeMiB: number;
  englishOnly: boolean;
}

export const MODEL_DOWNLOAD_BASE_URL = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main";
export const VAD_DOWNLOAD_BASE_URL = "https://huggingface.co/ggml-org/whisper-vad/resolve/main";

/** Model used when none is configured. */
export const DEFAULT_MODEL = "base.en";
/** Silero VAD model used for end-of-speech detection when none is configured. */
export const DEFAULT_VAD_MODEL = "silero-v6.2.0";

function entry(name: string, sizeMiB: number, sha1: string): ModelEntry {
  const hash = { algorithm: "sha1" as const, hex: sha1 };
  return { name, file: `ggml-${name}.bin`, kind: "whisper", hash, sizeMiB, englishOnly: name.includes(".en") };
}

// Silero VAD (MIT) converted to ggml by whisper.cpp; SHA-256 of the published files.
function vadEntry(name: string, sha256: string): ModelEntry {
  const hash = { algorithm: "sha256" as const, hex: sha256 };
  return { name, file: `ggml-${name}.bin`, kind: "vad", hash, sizeMiB: 1, englishOnly: false };
}

export const MODEL_CATALOG: readonly ModelEntry[] = [
  entry("tiny", 75, "bd577a113a864445d4c299885e0cb97d4ba92b5f"),
  entry("tiny.en", 75, "c78c86eb1a8faa21b369bcd33207cc90d64ae9df"),
  entry("base", 142, "465707469ff3a37a2b9b8d8f89f2f99de7299dac"),
  entry("base.en", 142, "137c40403d78fd54d454da0f9bd998f78703390c"),
  entry("small", 466, "55356645c2b361a969dfd0ef2c5a50d530afd8d5"),
  entry("small.en", 466, "db8a495a91d927739e50b3fc1cc4c6b8f6c2d022"),
  entry("medium", 1536, "fd9727b6e1217c2f614f9b698455c4ffd82463b4"),
  entry("medium.en", 1536, "8c30f0e44ce9560643ebd10bbe50cd20eafd3723"),
  entry("large-v3", 2970, "ad82bf6a9043ceed055076d0fd39f5f186ff8062"),
  entry("large-v3-turbo", 1536, "4af2b29d7ec73d781377bfd1758ca957a807e941"),
  entry("large-v3-turbo-q5_0", 547, "e050f7970618a659205450ad97eb95a18d69c9ee"),
  vadEntry("silero-v5.1.2", "29940d98d42b91fbd05ce489f3ecf7c72f0a42f027e4875919a28fb4c04ea2cf"),
  vadEntry("silero-v6.2.0", "2aa269b785eeb53a82983a20501ddf7c1d9c48e33ab63a41391ac6c9f7fb6987"),
];

/** Returns the catalog entry for a model name such as "base.en", or undefined. */
export function findModel(name: string): ModelEntry | undefined {
  return MODEL_CATALOG.find((model) => model.name === name);
}

/** Download address of a catalog model; `baseUrl` replaces the official folder (for mirrors). */
export function modelUrl(model: ModelEntry, baseUrl?: string): string {
  const folder = baseUrl ?? (model.kind === "vad" ? VAD_DOWNLOAD_BASE_URL : MODEL_DOWNLOAD_BASE_URL);
  return `${folder.replace(/\/+$/, "")}/${model.file}`;
}
