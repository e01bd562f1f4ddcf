/** Starts the rex and nodejs-whisper workers, and checks that nodejs-whisper can run. */
import { existsSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";

import { LineWorker } from "./line-worker.js";
import type { NodejsWhisperCall, NodejsWhisperReady, NodejsWhisperSetup, NodejsWhisperTask } from "./nodejs-whisper-worker.js";
import type { RexTaskResult, RexWorkerReady, RexWorkerSetup, RexWorkerTask } from "./rex-worker.js";
import type { WhisperCppTools } from "./whisper-cpp.js";

export type RexWorker = LineWorker<RexWorkerReady, RexWorkerTask, RexTaskResult>;
export type NodejsWhisperWorker = LineWorker<NodejsWhisperReady, NodejsWhisperTask, NodejsWhisperCall>;

/** Starts a rex worker and waits until it has loaded the model. */
export function startRexWorker(setup: RexWorkerSetup): Promise<{ worker: RexWorker; ready: RexWorkerReady }> {
  return LineWorker.start<RexWorkerReady, RexWorkerTask, RexTaskResult>("./rex-worker.js", setup);
}

/** Starts a nodejs-whisper worker and waits until it has loaded the package. */
export function startNodejsWhisperWorker(
  setup: NodejsWhisperSetup,
): Promise<{ worker: NodejsWhisperWorker; ready: NodejsWhisperReady }> {
  return LineWorker.start<NodejsWhisperReady, NodejsWhisperTask, NodejsWhisperCall>("./nodejs-whisper-worker.js", setup);
}

/** Model names that nodejs-whisper 0.3.1 accepts, each stored as ggml-<name>.bin. */
const NODEJS_WHISPER_MODELS = [
  "tiny",
  "tiny.en",
  "base",
  "base.en",
  "small",
  "small.en",
  "medium",
  "medium.en",
  "large-v1",
  "large",
  "large-v3-turbo",
];

/** Version of the installed nodejs-whisper package, or null when it is not installed. */
export function nodejsWhisperVersion(): string | null {
  const require = createRequire(import.meta.url);
  try {
    return (require("nodejs-whisper/package.json") as { version: string }).version;
  } catch {
    return null;
  }
}

/** nodejs-whisper's version and the arguments that make it load the benchmark's model file. */
export interface NodejsWhisperPeer extends NodejsWhisperSetup {
  version: string;
}

/**
 * Checks that nodejs-whisper can run the same model file and the whisper-cli of `tools`, and
 * returns its model arguments, or the reason it cannot.
 */
export function checkNodejsWhisper(modelPath: string, tools: WhisperCppTools): NodejsWhisperPeer | { missing: string } {
  const version = nodejsWhisperVersion();
  if (version === null) {
    return { missing: "the nodejs-whisper package is not installed: run npm install in the rex repository" };
  }
  const packageDir = dirname(createRequire(import.meta.url).resolve("nodejs-whisper/package.json"));
  const match = /^ggml-(.+)\.bin$/.exec(basename(modelPath));
  if (!match || !NODEJS_WHISPER_MODELS.includes(match[1])) {
    return { missing: `nodejs-whisper loads only its named models (ggml-<name>.bin), not ${basename(modelPath)}` };
  }
  // nodejs-whisper runs only this path, so the build script puts a link to tools.cli there.
  const expectedCli = join(packageDir, "cpp", "whisper.cpp", "build", "bin", "whisper-cli");
  if (!existsSync(expectedCli) || realpathSync(expectedCli) !== realpathSync(tools.cli)) {
    return {
      missing:
        `nodejs-whisper would not run ${tools.cli} (it runs ${expectedCli}): ` +
        "run bash bench/build-whisper-cpp.sh, which links it there",
    };
  }
  return { version, modelName: match[1], modelRootPath: dirname(modelPath) };
}
