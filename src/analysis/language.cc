#include "analysis/language.h"

#include <cld2/internal/lang_script.h>
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include <algorithm>
#include <string>

namespace vigil::analysis {

LanguageGuess DetectLanguage(std::string_view text, std::string_view declared_language) {
  LanguageGuess out;
  if (text.empty()) return out;
  // CLD2 takes an int length; posts are far shorter, and more text does not change the answer.
  const int len = static_cast<int>(std::min<size_t>(text.size(), 1 << 20));
  std::string hint(declared_language.substr(0, 16));
  CLD2::CLDHints hints = {hint.empty() ? nullptr : hint.c_str(), nullptr, CLD2::UNKNOWN_ENCODING,
                          CLD2::UNKNOWN_LANGUAGE};
  CLD2::Language top3[3];
  int percent3[3];
  double scores3[3];
  int text_bytes = 0, valid_prefix = 0;
  bool reliable = false;
  CLD2::Language lang = CLD2::ExtDetectLanguageSummaryCheckUTF8(
      text.data(), len, true, &hints, 0, top3, percent3, scores3, nullptr, &text_bytes, &reliable,
      &valid_prefix);
  if (lang == CLD2::UNKNOWN_LANGUAGE) return out;
  out.code = CLD2::LanguageCode(lang);
  out.name = CLD2::LanguageName(lang);
  out.reliable = reliable;
  for (int i = 0; i < 3; ++i) {
    if (top3[i] == CLD2::UNKNOWN_LANGUAGE || percent3[i] == 0) continue;
    out.top.emplace_back(CLD2::LanguageCode(top3[i]), percent3[i]);
    if (top3[i] == lang) out.percent = percent3[i];
  }
  return out;
}

}  // namespace vigil::analysis
