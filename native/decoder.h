// Decodes audio files (WAV, MP3, FLAC) to 16 kHz mono float with miniaudio.
#pragma once

#include <napi.h>

namespace rex {

// decodeFile(path: string): Promise<{ pcm: Float32Array, sourceRate, sourceChannels, sourceFrames }>
Napi::Value DecodeFile(const Napi::CallbackInfo& info);

}  // namespace rex
