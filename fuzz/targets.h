// What the fuzz targets exercise, as plain functions of the input bytes, so
// that the crash inputs kept under tests/fuzz/ are replayed by the ordinary
// test suite (tests/fuzz_regression_test.cpp) without libFuzzer.
#pragma once

#include <string_view>

namespace helpsearch::fuzz {

/// The article reader: front matter, Markdown fields, the sxs split, and the
/// HTML rendering of the body.
void read_article(std::string_view bytes);

/// The analyzer: segmentation, folding and the terms of every field, in a
/// language chosen by the first byte.
void analyze(std::string_view bytes);

/// Query parsing and building over a small index, the search itself and its
/// snippet.
void query(std::string_view bytes);

}  // namespace helpsearch::fuzz
