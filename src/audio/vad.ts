import { fromNativeError } from "../errors.js";
import { native, type NativeVadModel } from "../native/binding.js";

export type VadModel = NativeVadModel;

/** Loads a Silero VAD model in ggml format; rejects with VAD_LOAD_FAILED when it is not one. */
export async function loadVad(path: string, options: { threads?: number } = {}): Promise<VadModel> {
  if (typeof path !== "string" || path.length === 0) throw new TypeError("expected a VAD model path");
  try {
    const vad = await native().loadVad(path, options);
    // A new context's recurrent state is not zeroed, so without this the first scores vary from
    // run to run: speech on silence, or no speech at all until the next reset().
    vad.reset();
    return vad;
  } catch (error) {
    throw fromNativeError(error);
  }
}
