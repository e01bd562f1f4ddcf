// Structural check of a ggml Whisper model file before whisper.cpp reads it.
//
// whisper.cpp trusts the sizes inside the file: a truncated or corrupt file can make it read
// past the end or allocate gigabytes. Walking the layout first turns those cases into a clear
// error that names the field and the offset.
#pragma once

#include <string>

namespace rex {

// Returns an empty string when the file is a complete ggml Whisper model, otherwise the reason.
std::string CheckModelFile(const std::string& path);

}  // namespace rex
