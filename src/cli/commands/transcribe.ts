import type { Command } from "commander";

import { decodeAudioFile } from "../../audio/decode.js";
import { loadSettings } from "../../config/load.js";
import { RexError } from "../../errors.js";
import { getLogger } from "../../log.js";
import { Transcriber, type Transcript } from "../../speech/transcriber.js";
import { parsePositiveInt, reportError, runAction, setUpLogging, EXIT_FAILURE } from "../run.js";
import { resolveVadModel, resolveWhisperModel } from "../../models/resolve.js";

interface TranscribeFlags {
  model?: string;
  json?: boolean;
  language?: string;
  threads?: number;
  vad: boolean;
  gpu: boolean;
}

export function registerTranscribe(program: Command): void {
  program
    .command("transcribe")
    .description("transcribe audio files (WAV, MP3, FLAC) and print the text")
    .argument("<files...>", "audio files")
    .option("-m, --model <model>", "Whisper model name (such as base.en) or path to a ggml file")
    .option("--json", "print one JSON object per file with segments and tokens")
    .option("-l, --language <code>", "spoken language code, or auto to detect it")
    .option("-t, --threads <n>", "CPU threads for inference", parsePositiveInt("--threads"))
    .option("--no-vad", "run whisper even where the VAD finds no speech")
    .option("--no-gpu", "run on the CPU even when a GPU backend is built in")
    .action(runAction(transcribeFiles));
}

async function transcribeFiles(files: string[], flags: TranscribeFlags): Promise<number> {
  const settings = loadSettings(process.env, { model: flags.model, language: flags.language, threads: flags.threads });
  setUpLogging(settings);
  const log = getLogger("transcribe");
  const modelPath = resolveWhisperModel(settings, flags.model !== undefined || Boolean(process.env.REX_MODEL));
  const vadModelPath = flags.vad ? optionalVadModel(settings) : undefined;
  const transcriber = await Transcriber.load(modelPath, {
    threads: settings.threads,
    useGpu: flags.gpu && settings.useGpu,
    flashAttention: settings.flashAttention,
    vadModelPath,
  });

  let failures = 0;
  for (const file of files) {
    try {
      const audio = await decodeAudioFile(file);
      const transcript = await transcriber.transcribe(audio.pcm, { language: settings.language });
      log.debug({ file, inferenceMs: Math.round(transcript.inferenceMs) }, "transcribed");
      process.stdout.write(formatResult(file, transcript, files.length > 1, flags.json ?? false));
    } catch (error) {
      failures++;
      reportError(error);
    }
  }
  transcriber.free();
  return failures > 0 ? EXIT_FAILURE : 0;
}

function optionalVadModel(settings: ReturnType<typeof loadSettings>): string | undefined {
  try {
    return resolveVadModel(settings);
  } catch (error) {
    if (!(error instanceof RexError)) throw error;
    getLogger("transcribe").warn(`${error.message}; transcribing without speech detection`);
    return undefined;
  }
}

function formatResult(file: string, transcript: Transcript, withName: boolean, json: boolean): string {
  if (json) {
    const segments = transcript.segments.map(({ start, end, text, tokens }) => ({ start, end, text: text.trim(), tokens }));
    return `${JSON.stringify({ file, text: transcript.text, language: transcript.language, segments })}\n`;
  }
  return withName ? `${file}: ${transcript.text}\n` : `${transcript.text}\n`;
}
