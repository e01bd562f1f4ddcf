import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";

import { type Command, InvalidArgumentError } from "commander";

import { CaptureStream } from "../../audio/capture-stream.js";
import { decodeAudioFile } from "../../audio/decode.js";
import { Endpointer } from "../../audio/endpointer.js";
import { loadVad } from "../../audio/vad.js";
import { loadSettings } from "../../config/load.js";
import type { Settings } from "../../config/schema.js";
import { RexError } from "../../errors.js";
import { resolveVadModel } from "../../models/resolve.js";
import { DEFAULT_WAKE_WORD } from "../../wake/create.js";
import { enroll, type Enrollment, MIN_RECORDINGS } from "../../wake/enroll.js";
import { classifierName, isOpenWakeWordSpec, OPENWAKEWORD_MODELS, spokenPhrase } from "../../wake/openwakeword.js";
import { defaultVerifierPath, VERIFIER_DEFAULTS, writeVerifier } from "../../wake/verifier.js";
import { parsePositiveInt, runAction, setUpLogging } from "../run.js";

interface EnrollFlags {
  model?: string;
  record?: number;
  other?: string[];
  out?: string;
  threshold?: number;
  patience?: number;
  device?: string;
  bankVoices?: string;
}

/** Seconds to wait for each spoken recording before giving up. */
const RECORD_TIMEOUT_SECONDS = 15;
/** Best model score below which enrollment warns that the recordings may not say the wake word. */
const LOW_MODEL_SCORE = 0.2;
/** Sentences of other speech that --record prompts for after the wake words, as negative examples. */
const RECORDED_SENTENCES = 2;

export function registerWake(program: Command): void {
  const wake = program.command("wake").description("manage the wake word");
  wake
    .command("enroll")
    .description("fit a speaker verifier to your recordings of the wake word, so rex wakes for your voice more reliably")
    .argument("[recordings...]", `audio files (WAV, MP3, FLAC) of you saying the wake word, at least ${MIN_RECORDINGS}`)
    .option("--model <name>", "openWakeWord model to enroll for (default: the configured wake word, or hey_jarvis)")
    .option(
      "--record <n>",
      `record n examples from the microphone instead of reading files, then ${RECORDED_SENTENCES} sentences of other speech`,
      parsePositiveInt("--record"),
    )
    .option("--other <files...>", "audio files of you saying other things, as negative examples")
    .option("--out <file>", "verifier file to write (default: $REX_DATA_DIR/wake/<model>.verifier.json)")
    .option("--threshold <p>", `verifier probability for a detection (default ${VERIFIER_DEFAULTS.threshold})`, parseProbability)
    .option("--patience <n>", `consecutive 80 ms frames above it (default ${VERIFIER_DEFAULTS.patience})`, parsePositiveInt("--patience"))
    .option("--device <spec>", "capture device for --record")
    .option("--bank-voices <list>", "espeak-ng voices of the negative bank, comma-separated (default: every English voice)")
    .action(runAction(runEnroll));
}

function parseProbability(value: string): number {
  const number = Number(value);
  if (!/^\s*(0|1)?\.\d+\s*$/.test(value) || !(number > 0 && number < 1)) {
    throw new InvalidArgumentError(`--threshold must be a decimal above 0 and below 1, such as 0.99, got '${value}'`);
  }
  return number;
}

/** Returns the model to enroll for: the flag, the configured wake word when it is one model, or the default. */
function chooseModel(flags: EnrollFlags, settings: Settings): string {
  if (flags.model !== undefined) {
    if (!isOpenWakeWordSpec(flags.model)) {
      const names = Object.keys(OPENWAKEWORD_MODELS).join(", ");
      throw new RangeError(`--model must be an openWakeWord model (${names}) or an .onnx file, got '${flags.model}'`);
    }
    return flags.model;
  }
  return isOpenWakeWordSpec(settings.wakeWord) ? settings.wakeWord : DEFAULT_WAKE_WORD;
}

async function runEnroll(files: string[], flags: EnrollFlags): Promise<number> {
  const settings = loadSettings(process.env);
  setUpLogging(settings);
  const { model, voices, out } = checkFlags(files, flags, settings);
  process.stderr.write(`rex: enrolling for the ${model} model\n`);

  const recorded = flags.record !== undefined ? await record(model, flags.record, settings, flags.device) : undefined;
  const recordings = recorded?.wakeWords ?? (await Promise.all(files.map(decodePcm)));
  const otherSpeech = [...(recorded?.sentences ?? []), ...(await Promise.all((flags.other ?? []).map(decodePcm)))];
  const result = await enroll({
    model,
    recordings,
    names: flags.record !== undefined ? undefined : files,
    otherSpeech,
    threshold: flags.threshold,
    patience: flags.patience,
    bank: { voices, log: (line) => process.stderr.write(`rex: ${line}\n`) },
  });

  await writeVerifier(out, result.verifier).catch((error: Error) => {
    throw new RexError("WAKE_ENROLL_FAILED", `cannot write the verifier to '${out}': ${error.message}. Choose another file with --out.`, {
      cause: error,
    });
  });
  printEnrollment(result, out, flags.out !== undefined);
  return 0;
}

/** Checks the flags before anything is recorded or computed, and returns the model, bank voices and verifier path. */
function checkFlags(files: string[], flags: EnrollFlags, settings: Settings) {
  const model = chooseModel(flags, settings);
  if (flags.record !== undefined && files.length > 0) {
    throw new RangeError("pass recordings as files or use --record, not both");
  }
  const count = flags.record ?? files.length;
  if (count < MIN_RECORDINGS) {
    throw new RangeError(`enrollment needs at least ${MIN_RECORDINGS} recordings of the wake word, got ${count}`);
  }
  if (flags.device !== undefined && flags.record === undefined) throw new RangeError("--device applies only with --record");
  const repeated = files.find((file, index) => files.indexOf(file) !== index);
  if (repeated !== undefined) {
    throw new RangeError(`'${repeated}' is given twice; enrollment needs separate recordings of the wake word`);
  }
  const voices = bankVoices(flags.bankVoices);
  const out = resolve(flags.out ?? defaultVerifierPath(settings.dataDir, classifierName(model)));
  checkOutput(out);
  return { model, voices, out };
}

/** Rejects a verifier path that cannot be written, before any recording is made. */
function checkOutput(out: string): void {
  if (out.includes(delimiter)) {
    throw new RangeError(`the verifier path '${out}' contains '${delimiter}', which separates paths in REX_WAKE_VERIFIERS; choose another --out`);
  }
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new RangeError(`--out must name a file, but '${out}' is a folder; add a file name such as ${join(out, "hey_jarvis.verifier.json")}`);
  }
  let folder = dirname(out);
  while (!existsSync(folder)) folder = dirname(folder);
  if (!isWritableFolder(folder)) {
    throw new RangeError(`cannot write the verifier to '${out}': '${folder}' is not a writable folder; choose another --out`);
  }
}

function isWritableFolder(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Quotes `text` for a POSIX shell, so a printed command can be pasted as it is. */
function shellQuote(text: string): string {
  return /^[\w./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

function printEnrollment(result: Enrollment, out: string, customPath: boolean): void {
  for (const entry of result.recordings) {
    process.stdout.write(`${entry.name}: model score ${entry.score.toFixed(3)}, verifier ${entry.probability.toFixed(3)}\n`);
  }
  process.stdout.write(
    `verifier for ${result.verifier.model} written to ${out}: ${result.verifier.examples.positive} wake-word frames, ` +
      `${result.verifier.examples.negative} other frames; it accepts ${result.bankAccepted} of ${result.bankFrames} bank frames ` +
      `at threshold ${result.verifier.threshold}.\n`,
  );
  if (customPath) process.stdout.write(`rex listen uses it when REX_WAKE_VERIFIERS=${shellQuote(out)} is set.\n`);
  const best = Math.max(...result.recordings.map((entry) => entry.score));
  if (best < LOW_MODEL_SCORE) {
    process.stderr.write(
      `rex: warning: the ${result.verifier.model} model scored these recordings at most ${best.toFixed(3)}; ` +
        "check that they say the wake word and not a similar phrase.\n",
    );
  }
}

function bankVoices(list: string | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  const voices = list.split(",").map((voice) => voice.trim()).filter(Boolean);
  if (voices.length === 0) throw new RangeError("--bank-voices needs at least one espeak-ng voice, such as gmw/en-US");
  return voices;
}

async function decodePcm(path: string): Promise<Float32Array> {
  return (await decodeAudioFile(path)).pcm;
}

/** Records `count` wake words from the microphone, then a few sentences of other speech, prompting before each. */
async function record(model: string, count: number, settings: Settings, device?: string) {
  const vad = await loadVad(resolveVadModel(settings));
  const endpointer = new Endpointer(vad, { threshold: settings.vadThreshold, endOfSpeechMs: 500 });
  const capture = CaptureStream.open({ device: device ?? settings.inputDevice });
  const phrase = spokenPhrase(classifierName(model));
  const wakeWords: Float32Array[] = [];
  const sentences: Float32Array[] = [];
  try {
    for (let index = 1; index <= count; index++) {
      wakeWords.push(await nextUtterance(capture, endpointer, `say "${phrase}" (${index} of ${count})`));
    }
    for (let index = 1; index <= RECORDED_SENTENCES; index++) {
      const prompt = `now say a sentence of your own without the wake word (${index} of ${RECORDED_SENTENCES})`;
      sentences.push(await nextUtterance(capture, endpointer, prompt));
    }
  } finally {
    capture.close();
    vad.free();
  }
  return { wakeWords, sentences };
}

/** Shows `prompt` once earlier audio is discarded, then returns the next utterance. */
async function nextUtterance(capture: CaptureStream, endpointer: Endpointer, prompt: string): Promise<Float32Array> {
  endpointer.reset();
  capture.discardBuffered();
  process.stderr.write(`rex: ${prompt}\n`);
  const signal = AbortSignal.timeout(RECORD_TIMEOUT_SECONDS * 1000);
  for await (const frame of capture.frames(512, signal)) {
    for (const event of await endpointer.push(frame)) {
      if (event.type !== "speechEnd") continue;
      // Half a second of quiet after the phrase, where openWakeWord's score peaks.
      const padded = new Float32Array(event.utterance.length + 8000);
      padded.set(event.utterance);
      return padded;
    }
  }
  throw new RexError(
    "WAKE_ENROLL_FAILED",
    `no speech heard in ${RECORD_TIMEOUT_SECONDS} s; check the microphone with \`rex devices\` and speak closer to it`,
  );
}
