// Article ⇄ Xapian document: the terms, values and stored data of one
// article, following schema.h.
#pragma once

#include <xapian.h>

#include <string>
#include <vector>

#include "analyzer.h"
#include "article.h"

namespace helpsearch {

/// A document ready to be written, with the words to add to the spelling table.
struct BuiltDocument {
  Xapian::Document doc;
  std::vector<std::string> spelling;  ///< distinct Latin-script words, for "did you mean"
};

/// Builds the document of an article. local analyzes localized text (the
/// article's language); english analyzes the English source of sxs articles.
BuiltDocument build_document(const Article& article, const std::string& content_hash,
                             const Analyzer& local, const Analyzer& english);

/// What searchd shows of an article, read back from the document data.
struct StoredArticle {
  std::string key, locale, slug, title, en_title, description, date, topic, service, path;
  std::vector<std::string> ids;
  std::string text;      ///< localized plain text, blocks separated by '\n'
  std::string english;   ///< English source text, blocks separated by '\n'
};

/// Reads the stored fields of a document written by build_document().
StoredArticle read_stored(const Xapian::Document& doc);

/// The localized Markdown body of a document (kept apart: only reading needs it).
std::string stored_markdown(const Xapian::Document& doc);

}  // namespace helpsearch
