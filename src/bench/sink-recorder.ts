/**
 * Records a PulseAudio source with parec and finds where sound starts and ends, on the wall
 * clock (Date.now()), so the times compare with the time fields of rex's log lines.
 */
import { spawn, type ChildProcess } from "node:child_process";

/** Samples at or above this level (-50 dBFS) count as sound; a null sink is silent otherwise. */
export const SOUND_LEVEL = 10 ** (-50 / 20);

const RATE = 16000;

interface Chunk {
  /** Wall-clock time when the chunk arrived, in milliseconds. */
  receivedAt: number;
  samples: Int16Array;
}

export class SinkRecorder {
  private readonly chunks: Chunk[] = [];
  private carry: Buffer = Buffer.alloc(0);

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on("data", (data: Buffer) => this.onData(data));
  }

  /** Starts parec on `source` at 16 kHz mono with a 10 ms latency. */
  static start(source: string, env: NodeJS.ProcessEnv): SinkRecorder {
    const args = [`--device=${source}`, "--raw", "--format=s16le", `--rate=${RATE}`, "--channels=1", "--latency-msec=10"];
    return new SinkRecorder(spawn("parec", args, { env, stdio: ["ignore", "pipe", "ignore"] }));
  }

  stop(): void {
    this.child.kill("SIGKILL");
  }

  /** Wall time of the last sample at sound level between `from` and `to`, or undefined. */
  lastSoundBetween(from: number, to: number): number | undefined {
    for (let c = this.chunks.length - 1; c >= 0; c--) {
      const { receivedAt, samples } = this.chunks[c]!;
      if (receivedAt < from) break;
      for (let i = samples.length - 1; i >= 0; i--) {
        const at = sampleTime(receivedAt, samples.length, i);
        if (at <= to && Math.abs(samples[i]!) / 32768 >= SOUND_LEVEL) return at;
      }
    }
    return undefined;
  }

  /** Wall time of the first sample at sound level after `from`, or undefined. */
  firstSoundAfter(from: number): number | undefined {
    for (const { receivedAt, samples } of this.chunks) {
      if (receivedAt < from) continue;
      for (let i = 0; i < samples.length; i++) {
        const at = sampleTime(receivedAt, samples.length, i);
        if (at >= from && Math.abs(samples[i]!) / 32768 >= SOUND_LEVEL) return at;
      }
    }
    return undefined;
  }

  private onData(data: Buffer): void {
    const bytes = Buffer.concat([this.carry, data]);
    const usable = bytes.length - (bytes.length % 2);
    const samples = new Int16Array(usable / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
    this.carry = bytes.subarray(usable);
    this.chunks.push({ receivedAt: Date.now(), samples });
  }
}

/** Returns the arrival time of sample `index`, taking the chunk's last sample as arriving at `receivedAt`. */
function sampleTime(receivedAt: number, length: number, index: number): number {
  return receivedAt - ((length - 1 - index) * 1000) / RATE;
}
