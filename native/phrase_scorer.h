// Guided decoding: how likely whisper finds given phrases at the start of the audio it just
// encoded, by forcing each phrase's tokens through the decoder and reading their probabilities.
#pragma once

#include <whisper.h>

#include <string>
#include <vector>

namespace rex {

struct PhraseScore {
  std::string phrase;
  int tokens = 0;
  // Sum of the natural-log probabilities of the phrase's tokens, each given the ones before it.
  double logProbability = 0.0;
  // Sum over the tokens of (log probability of the phrase's token minus that of the most likely
  // text token at that step): 0 when every phrase token is whisper's first choice.
  double logProbabilityBelowBest = 0.0;
};

// Scores every phrase against the encoder output that `state` contains from its last whisper_full
// call, with the same language. Returns false and sets `error` when a decoder run fails.
bool ScorePhrases(whisper_context* context, whisper_state* state, const std::vector<std::string>& phrases,
                  const std::string& language, int threads, std::vector<PhraseScore>* scores, std::string* error);

}  // namespace rex
