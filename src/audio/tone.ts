import { SAMPLE_RATE } from "./decode.js";

/** One note of a tone: frequency in Hz and length in milliseconds. */
export interface Note {
  frequency: number;
  ms: number;
}

/** Rising two-note chime that rex plays when it starts listening. */
export const ACKNOWLEDGEMENT_NOTES: readonly Note[] = [
  { frequency: 880, ms: 90 },
  { frequency: 1320, ms: 120 },
];

const FADE_MS = 8;

/**
 * Synthesizes notes as a mono PCM tone at `sampleRate`. Each note fades in and out over 8 ms so
 * it starts and stops without a click.
 */
export function synthesizeTone(notes: readonly Note[] = ACKNOWLEDGEMENT_NOTES, sampleRate = SAMPLE_RATE, level = 0.3): Float32Array {
  const lengths = notes.map((note) => Math.round((note.ms / 1000) * sampleRate));
  const pcm = new Float32Array(lengths.reduce((sum, length) => sum + length, 0));
  const fade = Math.round((FADE_MS / 1000) * sampleRate);
  let offset = 0;
  notes.forEach((note, index) => {
    const length = lengths[index];
    for (let i = 0; i < length; i++) {
      const envelope = Math.min(1, i / fade, (length - 1 - i) / fade);
      pcm[offset + i] = level * envelope * Math.sin((2 * Math.PI * note.frequency * i) / sampleRate);
    }
    offset += length;
  });
  return pcm;
}
