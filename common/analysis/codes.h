// Error codes and other identifiers recognised by their shape, the same way at
// index and at query time, so that a code finds its articles however it is
// pasted: 0x80070005 / 80070005 / 0X80070005, AADSTS50011 / AADSTS 50011 /
// 50011, 5.7.750. A token filter of the analyzer: it reads the segments that
// the word breaker made and names the code terms they stand for.
#pragma once

#include <string>
#include <vector>

#include "text.h"

namespace helpsearch {

/// The code forms of one folded word (without a term prefix), or none when it
/// has no code shape: 0xHEX → itself and HEX; 8 hex digits → themselves and
/// 0xHEX; LETTERS+DIGITS (2–10 letters, 4+ digits) → itself and DIGITS; dotted
/// numbers (5.7.750) and numbers of 5+ digits → themselves. Used at index time.
std::vector<std::string> code_forms(const std::string& word);

/// The code a query may have split in two: a letters-only word followed by a
/// number of 4+ digits ("aadsts 50011") → {"aadsts50011", "50011"}; else none.
/// The query side tries it before code_forms() of each word.
std::vector<std::string> split_code_forms(const std::vector<Segment>& segs, size_t i);

}  // namespace helpsearch
