// Runs whisper_full on a libuv thread and streams segments and progress to JavaScript.
#pragma once

#include <napi.h>

#include "whisper_model.h"

namespace rex {

// model.transcribe(pcm: Float32Array, options, cancel?: CancelToken, onSegment?, onProgress?)
// returns Promise<{ segments, language, timings }>. pcm is 16 kHz mono.
Napi::Value StartTranscription(const Napi::CallbackInfo& info, ModelPtr model);

}  // namespace rex
