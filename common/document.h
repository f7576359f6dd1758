// Article ⇄ Xapian document: the terms, values and stored data of one
// article, following schema.h.
#pragma once

#include <xapian.h>

#include <string>
#include <string_view>
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

/// The words of a document that go into the spelling table: its body's
/// words of 3 to 32 bytes and 3+ characters, letters only. Read from the
/// terms, so that an article's words can be removed from the table exactly
/// as they were added, when it is replaced or deleted.
std::vector<std::string> spelling_words(const Xapian::Document& doc);

/// What searchd shows of an article, read back from schema::kSlotStored.
struct StoredArticle {
  std::string key, locale, slug, title, en_title, description, date, topic, service, path;
  std::vector<std::string> ids;
  std::string text;      ///< localized plain text, blocks separated by '\n'
  std::string english;   ///< English source text, blocks separated by '\n'
};

/// The stored fields of an article (schema::kSlotStored): a compact binary
/// form (no parsing on the query path); decode_stored() gives back what encode_stored() was given,
/// and an empty StoredArticle for data in another form or cut short.
std::string encode_stored(const StoredArticle& a);
StoredArticle decode_stored(std::string_view data);

/// Reads the stored fields of a document written by build_document().
StoredArticle read_stored(const Xapian::Document& doc);

/// The localized Markdown body of a document (kept apart: only reading needs it).
std::string stored_markdown(const Xapian::Document& doc);

}  // namespace helpsearch
