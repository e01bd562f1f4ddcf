/**
 * A minimal WAV (RIFF/WAVE) writer for decoder tests, with a sine generator. Integer formats are
 * quantized by rounding to the nearest code after clipping to [-1, 1].
 */

export type WavFormat = "pcm8" | "pcm16" | "pcm24" | "pcm32" | "float32" | "float64";

export interface WavOptions {
  /** One array per channel, all the same length, with samples in [-1, 1]. */
  samples: Float32Array[];
  /** Frames per second in Hz. */
  sampleRate: number;
  format: WavFormat;
  /**
   * Writes a WAVE_FORMAT_EXTENSIBLE header. The default is true for more than two channels or
   * more than 16 bits per integer sample.
   */
  extensible?: boolean;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

// Last 14 bytes of the KSDATAFORMAT_SUBTYPE_PCM and _IEEE_FLOAT GUIDs, whose first two bytes are
// the format tag.
const SUBFORMAT_GUID_TAIL = Buffer.from([
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
]);

const BITS_PER_SAMPLE: Record<WavFormat, number> = {
  pcm8: 8,
  pcm16: 16,
  pcm24: 24,
  pcm32: 32,
  float32: 32,
  float64: 64,
};

/** Bits per sample of `format`. */
export function bitsPerSample(format: WavFormat): number {
  return BITS_PER_SAMPLE[format];
}

function isFloat(format: WavFormat): boolean {
  return format === "float32" || format === "float64";
}

function clip(value: number): number {
  return Math.max(-1, Math.min(1, value));
}

// Writes one sample at `offset`. Integer codes span the full signed range, so +1.0 maps to the
// largest positive code and -1.0 to one above the most negative code.
function writeSample(buffer: Buffer, offset: number, value: number, format: WavFormat): void {
  const x = clip(value);
  switch (format) {
    case "pcm8":
      buffer.writeUInt8(Math.round(x * 127) + 128, offset);
      break;
    case "pcm16":
      buffer.writeInt16LE(Math.round(x * 32767), offset);
      break;
    case "pcm24":
      buffer.writeIntLE(Math.round(x * 8388607), offset, 3);
      break;
    case "pcm32":
      buffer.writeInt32LE(Math.round(x * 2147483647), offset);
      break;
    case "float32":
      buffer.writeFloatLE(x, offset);
      break;
    case "float64":
      buffer.writeDoubleLE(x, offset);
      break;
  }
}

function formatChunk(options: WavOptions, extensible: boolean): Buffer {
  const channels = options.samples.length;
  const bits = bitsPerSample(options.format);
  const blockAlign = (channels * bits) / 8;
  const tag = isFloat(options.format) ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM;
  const body = Buffer.alloc(extensible ? 40 : 16);
  body.writeUInt16LE(extensible ? WAVE_FORMAT_EXTENSIBLE : tag, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(options.sampleRate, 4);
  body.writeUInt32LE(options.sampleRate * blockAlign, 8);
  body.writeUInt16LE(blockAlign, 12);
  body.writeUInt16LE(bits, 14);
  if (extensible) {
    body.writeUInt16LE(22, 16); // size of the extension that follows
    body.writeUInt16LE(bits, 18); // valid bits per sample
    // Speaker mask 0 leaves the channel positions unassigned.
    body.writeUInt32LE(0, 20);
    body.writeUInt16LE(tag, 24);
    SUBFORMAT_GUID_TAIL.copy(body, 26);
  }
  return chunk("fmt ", body);
}

function chunk(id: string, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, "ascii");
  header.writeUInt32LE(body.length, 4);
  // RIFF chunks are padded to an even length, and the size field does not count the pad byte.
  const pad = body.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0);
  return Buffer.concat([header, body, pad]);
}

/** Encodes interleaved frames of `samples` as a complete WAV file. */
export function encodeWav(options: WavOptions): Buffer {
  const { samples, sampleRate, format } = options;
  if (samples.length === 0) throw new RangeError("invalid samples: expected at least one channel");
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new RangeError(`invalid sample rate ${sampleRate}: expected a positive integer in Hz`);
  }
  const frames = samples[0].length;
  if (samples.some((channel) => channel.length !== frames)) {
    throw new RangeError("invalid samples: expected all channels to have the same length");
  }

  const channels = samples.length;
  const bits = bitsPerSample(format);
  const extensible = options.extensible ?? (channels > 2 || (!isFloat(format) && bits > 16));
  const bytesPerSample = bits / 8;
  const data = Buffer.alloc(frames * channels * bytesPerSample);
  for (let frame = 0; frame < frames; frame++) {
    for (let channel = 0; channel < channels; channel++) {
      writeSample(data, (frame * channels + channel) * bytesPerSample, samples[channel][frame], format);
    }
  }

  const chunks = [formatChunk(options, extensible)];
  // Non-PCM formats carry a fact chunk with the frame count.
  if (isFloat(format)) {
    const fact = Buffer.alloc(4);
    fact.writeUInt32LE(frames, 0);
    chunks.push(chunk("fact", fact));
  }
  chunks.push(chunk("data", data));

  const riffHeader = Buffer.alloc(12);
  const body = Buffer.concat(chunks);
  riffHeader.write("RIFF", 0, "ascii");
  riffHeader.writeUInt32LE(4 + body.length, 4);
  riffHeader.write("WAVE", 8, "ascii");
  return Buffer.concat([riffHeader, body]);
}

/** Returns the byte offset of the data chunk's size field in a WAV file from {@link encodeWav}. */
export function dataSizeOffset(wav: Buffer): number {
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = wav.toString("ascii", offset, offset + 4);
    if (id === "data") return offset + 4;
    const size = wav.readUInt32LE(offset + 4);
    offset += 8 + size + (size % 2);
  }
  throw new RangeError("the WAV file has no data chunk");
}

/**
 * Returns a copy of `wav` whose data chunk claims `bytes` bytes, whatever the file holds. The RIFF
 * size is left as it was.
 */
export function withDataSize(wav: Buffer, bytes: number): Buffer {
  const copy = Buffer.from(wav);
  copy.writeUInt32LE(bytes, dataSizeOffset(wav));
  return copy;
}

/** Generates `seconds` of a sine wave at `freq` Hz, sampled at `rate` Hz, with peak `amplitude`. */
export function sine(freq: number, seconds: number, rate: number, amplitude: number): Float32Array {
  const length = Math.round(seconds * rate);
  const samples = new Float32Array(length);
  for (let n = 0; n < length; n++) samples[n] = amplitude * Math.sin((2 * Math.PI * freq * n) / rate);
  return samples;
}
