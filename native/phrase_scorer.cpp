#include "phrase_scorer.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rex {
namespace {

constexpr int kMaxPhraseTokens = 64;

// The tokens that start a transcription without timestamps: start of transcript, then language
// and task on multilingual models, then "no timestamps".
std::vector<whisper_token> PromptTokens(whisper_context* context, const std::string& language) {
  std::vector<whisper_token> prompt{whisper_token_sot(context)};
  if (whisper_is_multilingual(context)) {
    const int id = whisper_lang_id(language.c_str());
    prompt.push_back(whisper_token_lang(context, id < 0 ? whisper_lang_id("en") : id));
    prompt.push_back(whisper_token_transcribe(context));
  }
  prompt.push_back(whisper_token_not(context));
  return prompt;
}

struct StepLogProbabilities {
  double token;
  double bestText;
};

// Log-softmax over the whole vocabulary, read at `token` and at the most likely text token
// (token ids below end-of-transcript are text).
StepLogProbabilities ReadStep(const float* logits, int vocabulary, int textTokens, whisper_token token) {
  float maxLogit = -std::numeric_limits<float>::infinity();
  for (int i = 0; i < vocabulary; i++) maxLogit = std::max(maxLogit, logits[i]);
  double sum = 0.0;
  for (int i = 0; i < vocabulary; i++) sum += std::exp(double(logits[i] - maxLogit));
  const double logNormalizer = double(maxLogit) + std::log(sum);
  float bestText = -std::numeric_limits<float>::infinity();
  for (int i = 0; i < textTokens; i++) bestText = std::max(bestText, logits[i]);
  return {double(logits[token]) - logNormalizer, double(bestText) - logNormalizer};
}

bool Decode(whisper_context* context, whisper_state* state, const whisper_token* tokens, int count, int past,
            int threads, std::string* error) {
  if (whisper_decode_with_state(context, state, tokens, count, past, threads) == 0) return true;
  *error = "the whisper decoder failed while scoring phrases";
  return false;
}

}  // namespace

bool ScorePhrases(whisper_context* context, whisper_state* state, const std::vector<std::string>& phrases,
                  const std::string& language, int threads, std::vector<PhraseScore>* scores, std::string* error) {
  const std::vector<whisper_token> prompt = PromptTokens(context, language);
  const int past = int(prompt.size());
  const int vocabulary = whisper_n_vocab(context);
  const int textTokens = whisper_token_eot(context);
  if (!Decode(context, state, prompt.data(), past, 0, threads, error)) return false;
  // Only the last prompt position has logits; they are the same first step for every phrase.
  const float* row = whisper_get_logits_from_state(state) + size_t(vocabulary) * size_t(past - 1);
  const std::vector<float> afterPrompt(row, row + vocabulary);

  for (const std::string& phrase : phrases) {
    std::vector<whisper_token> tokens(kMaxPhraseTokens);
    const int count = whisper_tokenize(context, phrase.c_str(), tokens.data(), kMaxPhraseTokens);
    if (count < 0) {
      *error = "the phrase '" + phrase + "' is longer than " + std::to_string(kMaxPhraseTokens) + " tokens";
      return false;
    }
    PhraseScore score;
    score.phrase = phrase;
    score.tokens = count;
    const float* logits = afterPrompt.data();
    for (int i = 0; i < count; i++) {
      const StepLogProbabilities step = ReadStep(logits, vocabulary, textTokens, tokens[i]);
      score.logProbability += step.token;
      score.logProbabilityBelowBest += step.token - step.bestText;
      if (i + 1 == count) break;
      // Decoding at position past + i drops whatever the previous phrase left in the cache there.
      if (!Decode(context, state, &tokens[i], 1, past + i, threads, error)) return false;
      logits = whisper_get_logits_from_state(state);
    }
    scores->push_back(score);
  }
  return true;
}

}  // namespace rex
