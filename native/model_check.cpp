#include "model_check.h"

#include <ggml.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

namespace rex {
namespace {

constexpr uint32_t kGgmlMagic = 0x67676d6c;  // "ggml", little-endian
constexpr int32_t kMaxDimension = 1 << 20;
constexpr int32_t kMaxVocab = 1 << 20;
constexpr uint32_t kMaxTokenBytes = 1024;
constexpr int32_t kMaxTensorName = 256;

class Reader {
 public:
  explicit Reader(const std::string& path) : file_(path, std::ios::binary | std::ios::ate) {
    if (file_) {
      size_ = static_cast<uint64_t>(file_.tellg());
      file_.seekg(0);
    }
  }

  bool IsOpen() const { return static_cast<bool>(file_); }
  uint64_t Size() const { return size_; }
  uint64_t Offset() const { return offset_; }
  bool AtEnd() const { return offset_ >= size_; }

  bool ReadInt32(int32_t* value) { return ReadBytes(value, sizeof(*value)); }

  bool ReadBytes(void* destination, uint64_t count) {
    if (count > size_ - offset_) return false;
    file_.read(static_cast<char*>(destination), static_cast<std::streamsize>(count));
    offset_ += count;
    return static_cast<bool>(file_);
  }

  bool Skip(uint64_t count) {
    if (count > size_ - offset_) return false;
    offset_ += count;
    file_.seekg(static_cast<std::streamoff>(offset_));
    return static_cast<bool>(file_);
  }

 private:
  std::ifstream file_;
  uint64_t size_ = 0;
  uint64_t offset_ = 0;
};

std::string Truncated(const Reader& reader, const std::string& what) {
  std::ostringstream out;
  out << "file is truncated: " << what << " at byte " << reader.Offset() << " runs past the end of the "
      << reader.Size() << "-byte file";
  return out.str();
}

std::string CheckHeader(Reader& reader, int32_t* vocabSize) {
  uint32_t magic = 0;
  if (!reader.ReadBytes(&magic, sizeof(magic))) return "file is too short to be a ggml model (" + std::to_string(reader.Size()) + " bytes)";
  if (magic != kGgmlMagic) return "not a ggml Whisper model: the file does not start with the ggml magic number";

  int32_t hparams[11];
  if (!reader.ReadBytes(hparams, sizeof(hparams))) return Truncated(reader, "model hyperparameters");
  for (int i = 0; i < 10; i++) {
    if (hparams[i] <= 0 || hparams[i] > kMaxDimension) {
      return "invalid hyperparameter " + std::to_string(i) + " = " + std::to_string(hparams[i]);
    }
  }
  *vocabSize = hparams[0];

  int32_t melCount = 0;
  int32_t fftCount = 0;
  if (!reader.ReadInt32(&melCount) || !reader.ReadInt32(&fftCount)) return Truncated(reader, "mel filter size");
  if (melCount <= 0 || fftCount <= 0 || melCount > 1024 || fftCount > 4096) {
    return "invalid mel filter size " + std::to_string(melCount) + "x" + std::to_string(fftCount);
  }
  if (!reader.Skip(uint64_t(melCount) * uint64_t(fftCount) * sizeof(float))) return Truncated(reader, "mel filters");
  return "";
}

std::string CheckVocabulary(Reader& reader) {
  int32_t count = 0;
  if (!reader.ReadInt32(&count)) return Truncated(reader, "vocabulary size");
  if (count <= 0 || count > kMaxVocab) return "invalid vocabulary size " + std::to_string(count);
  for (int32_t i = 0; i < count; i++) {
    uint32_t length = 0;
    if (!reader.ReadBytes(&length, sizeof(length))) return Truncated(reader, "vocabulary entry " + std::to_string(i));
    if (length > kMaxTokenBytes) return "invalid length " + std::to_string(length) + " of vocabulary entry " + std::to_string(i);
    if (!reader.Skip(length)) return Truncated(reader, "vocabulary entry " + std::to_string(i));
  }
  return "";
}

std::string CheckTensor(Reader& reader) {
  int32_t dimensionCount = 0, nameLength = 0, type = 0;
  if (!reader.ReadInt32(&dimensionCount) || !reader.ReadInt32(&nameLength) || !reader.ReadInt32(&type)) {
    return Truncated(reader, "tensor header");
  }
  if (dimensionCount < 1 || dimensionCount > 4) return "invalid tensor rank " + std::to_string(dimensionCount);
  if (nameLength < 1 || nameLength > kMaxTensorName) return "invalid tensor name length " + std::to_string(nameLength);
  if (type < 0 || type >= GGML_TYPE_COUNT || ggml_blck_size(ggml_type(type)) == 0 || ggml_type_size(ggml_type(type)) == 0) {
    return "invalid tensor type " + std::to_string(type);
  }

  int64_t shape[4] = {1, 1, 1, 1};
  for (int32_t i = 0; i < dimensionCount; i++) {
    int32_t dimension = 0;
    if (!reader.ReadInt32(&dimension)) return Truncated(reader, "tensor shape");
    if (dimension <= 0 || dimension > kMaxDimension * 64) return "invalid tensor dimension " + std::to_string(dimension);
    shape[i] = dimension;
  }
  std::string name(static_cast<size_t>(nameLength), '\0');
  if (!reader.ReadBytes(name.data(), name.size())) return Truncated(reader, "tensor name");

  const ggml_type tensorType = ggml_type(type);
  if (shape[0] % ggml_blck_size(tensorType) != 0) return "tensor '" + name + "' has a row size that does not fit its type";
  const uint64_t bytes = ggml_row_size(tensorType, shape[0]) * uint64_t(shape[1] * shape[2] * shape[3]);
  if (!reader.Skip(bytes)) return Truncated(reader, "data of tensor '" + name + "' (" + std::to_string(bytes) + " bytes)");
  return "";
}

}  // namespace

std::string CheckModelFile(const std::string& path) {
  Reader reader(path);
  if (!reader.IsOpen()) return "cannot open the file for reading";

  int32_t vocabSize = 0;
  std::string problem = CheckHeader(reader, &vocabSize);
  if (problem.empty()) problem = CheckVocabulary(reader);
  if (!problem.empty()) return problem;

  int tensorCount = 0;
  while (!reader.AtEnd()) {
    problem = CheckTensor(reader);
    if (!problem.empty()) return problem;
    tensorCount++;
  }
  if (tensorCount == 0) return "the file has a model header but no tensor data";
  return "";
}

}  // namespace rex
