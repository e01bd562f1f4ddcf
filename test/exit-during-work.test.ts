import { spawnSync } from "node:child_process";
import { join } from "node:path";

import t from "tap";

import { fixturePath, genuineModel, repoRoot } from "./helpers/fixtures.js";

// A child process starts a transcription and exits while whisper runs on a worker thread.
const childScript = `
  const { Transcriber } = await import(${JSON.stringify(join(repoRoot, "src", "speech", "transcriber.ts"))});
  const { decodeAudioFile } = await import(${JSON.stringify(join(repoRoot, "src", "audio", "decode.ts"))});
  const transcriber = await Transcriber.load(process.env.MODEL, { useGpu: false, threads: 2 });
  const { pcm } = await decodeAudioFile(process.env.AUDIO);
  transcriber.transcribe(pcm).then(() => console.log("finished"));
  transcriber.transcribe(pcm);
  setTimeout(() => { console.log("exiting"); process.exit(Number(process.env.EXIT_CODE)); }, Number(process.env.DELAY_MS));
`;

for (const delayMs of [20, 150, 400]) {
  t.test(`exit ${delayMs} ms into transcription`, async (t) => {
    const child = spawnSync(
      process.execPath,
      ["--import", "@tapjs/typescript/import", "--input-type=module", "--eval", childScript],
      {
        cwd: repoRoot,
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, MODEL: genuineModel("tiny.en"), AUDIO: fixturePath("audio", "jfk.wav"), DELAY_MS: String(delayMs), EXIT_CODE: "7" },
      },
    );
    t.equal(child.signal, null, `the process was not killed by a signal (stderr: ${child.stderr.slice(-500)})`);
    t.equal(child.status, 7, "the process exited with the code it asked for");
    t.match(child.stdout, /exiting/, "the exit came from the timer");
  });
}
