// Language identification with CLD2: the language of a text (ISO 639-1 style code, "und" when
// unknown), how much of the text is in it, and whether CLD2 considers the answer reliable. A
// declared language (e.g. the platform's locale for the post) is passed to CLD2 as a hint.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vigil::analysis {

struct LanguageGuess {
  std::string code = "und";  // "en", "fr", "zh", "zh-Hant", ...; "und" when unknown
  std::string name = "Unknown";
  int percent = 0;  // share of the text's letters in this language (0-100)
  bool reliable = false;
  // Up to three languages with their shares, for mixed-language text.
  std::vector<std::pair<std::string, int>> top;
};

// Detects the language of UTF-8 `text` (ill-formed UTF-8 is detected up to the first bad byte).
LanguageGuess DetectLanguage(std::string_view text, std::string_view declared_language = "");

}  // namespace vigil::analysis
