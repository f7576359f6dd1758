// The one place that names every term prefix, value slot and metadata key of
// a helpsearch index. Prefixes follow Xapian's conventions
// (docs/termprefixes.rst): single capitals for standard fields, X... for our
// own, Z + field prefix for stemmed forms. Terms after a prefix are always
// NFKC-case-folded, so no ':' separator is ever needed.
#pragma once

#include <xapian.h>

namespace helpsearch::schema {

// Each name says who reads it; nothing is written that nothing reads.
// "query" is the query builder (analysis/query.cpp), "lookup", "titles",
// "search", "article" are searchd's Service (service.cpp, titles.cpp), and
// "indexer" is the incremental run (indexer.cpp).

// ---- free-text fields (positional unless noted) ---------------------------
/// Localized text: title, headings, body, link and alt text, code. Latin words
/// as exact terms, CJK/Thai/Hangul as character unigrams + bigrams.
/// Read by query (words, runs, phrases, prefixes) and, for its words, by the
/// spelling table (document.cpp spelling_words(), indexer).
inline constexpr const char* kBody = "";
/// Stemmed localized words (Snowball stemmer of the article's language); no positions. Read by query.
inline constexpr const char* kBodyStem = "Z";
/// Localized title (H1 and front-matter title), same analysis as kBody. Read by query (title: too).
inline constexpr const char* kTitle = "S";
/// The first word (or first character of a run) of a title, at the position
/// just before the title's first term: a query whose first word starts the
/// title matches "XH" + that word, and phrases on from there. Read by the
/// query builder for as-you-type ranking.
inline constexpr const char* kTitleStart = "XH";
/// Every leading part (1 to kMaxEdgeChars characters) of each title word of
/// a script written with spaces ("XPg", "XPgo", "XPgov" … for "Government");
/// no positions (no query puts one in a phrase): an unfinished last word of
/// a query is one term, whatever its length. Read by query (as-you-type).
inline constexpr const char* kTitlePrefix = "XP";
/// Every leading part of a title's first word, beside kTitleStart; no
/// positions: one unfinished word that begins a title. Read by query.
inline constexpr const char* kTitleStartPrefix = "XI";
/// Longest leading part written under kTitlePrefix and kTitleStartPrefix.
inline constexpr size_t kMaxEdgeChars = 12;
/// Stemmed title words; no positions. Read by query.
inline constexpr const char* kTitleStem = "ZS";
/// English source sentences of side-by-side articles (cross-lingual field). Read by query.
inline constexpr const char* kEnglish = "E";
/// Stemmed English source words (always the English stemmer); no positions. Read by query.
inline constexpr const char* kEnglishStem = "ZE";
/// ICU dictionary words of 3+ characters in scripts written without spaces
/// (e.g. 多要素認証); a ranking signal only, no positions. Read by query.
inline constexpr const char* kDictWord = "XW";

// ---- exact-match and boolean terms ----------------------------------------
/// Unique article key "locale/slug" (e.g. "ja-JP/app-passwords"); boolean.
/// Read by the indexer (replace, unchanged check, prune, --show) and article.
inline constexpr const char* kKey = "Q";
/// Locale, canonical form ("zh-TW"); boolean. Read by search and lookup
/// (locale filters) and health/locales (the list of locales).
inline constexpr const char* kLocale = "L";
/// Custom ID from ms.custom ("500"); wdf 1 so that it is also weighted when
/// typed. Read by query (id:500, or a typed number) and lookup.
inline constexpr const char* kCustomId = "XC";
/// Error code forms found by shape in the localized text (analysis/codes.h):
/// "0x80070005" and "80070005", "aadsts50011" and "50011", "5.7.750"; no positions.
/// Read by the query builder, for codes however they are pasted, and by /v1/lookup.
inline constexpr const char* kCode = "XE";
/// Whole normalized localized title (tokens joined by one space); wdf 1, a
/// known-item boost. Read by query.
inline constexpr const char* kTitleExact = "XA";
/// Whole normalized English source title; wdf 1, a cross-lingual known-item boost. Read by query.
inline constexpr const char* kEnglishTitleExact = "XB";

// ---- value slots ------------------------------------------------------------
// Slots 4 to 6 (date, topic, service up to schema 3) are no longer written:
// what is shown of them comes from kSlotStored (read_stored()).
enum Slot : Xapian::valueno {
  kSlotLocale = 0,       ///< canonical locale, "zh-TW"; read by titles and search (locale facets)
  kSlotSlug = 1,         ///< slug, "app-passwords"; read by titles
  kSlotTitle = 2,        ///< display title (UTF-8); read by titles
  kSlotIds = 3,          ///< custom IDs joined by ','; read by titles
  kSlotContentHash = 7,  ///< 16 hex digits: FNV-1a 64 of the file bytes; read by the indexer (unchanged files)
  /// Absolute path of the article's file; read by the indexer (unchanged, prune), by
  /// searchd for media folders, and by search to order equal weights (one per article).
  kSlotSourcePath = 8,
  /// Localized Markdown body (sxs English removed), read by article
  /// (/v1/articles renders it); kept out of kSlotStored, which every hit reads.
  kSlotMarkdown = 9,
  /// Length prior in (0, 1], Xapian::sortable_serialise'd: 1 up to kPriorPivot
  /// words of text, then sqrt(kPriorPivot / words). Scales the coverage and
  /// phrase bonuses of a query, so that a page listing hundreds of other
  /// articles' titles does not outrank the article a title query means. Read by query.
  kSlotPrior = 10,
  /// 1 / (characters of the folded title), Xapian::sortable_serialise'd: how
  /// much of a title a typed prefix of n characters covers is n times this. Read by query.
  kSlotTitleInverse = 11,
  /// "<bytes>:<mtime in ns>" of the article's file when indexed; read by the
  /// indexer: a file whose size and time are unchanged is not read again.
  kSlotFileStamp = 12,
  /// What is shown of an article and its snippets' text (encode_stored());
  /// read by search for every hit, by article and lookup (read_stored()).
  /// A slot rather than the document data (left empty), which Glass
  /// deflates: reading a hit's text inflates nothing.
  kSlotStored = 13,
};

/// Words of text (space-delimited words and run characters) up to which an
/// article has the full prior (see kSlotPrior).
inline constexpr double kPriorPivot = 2000;

// ---- database metadata ------------------------------------------------------
/// Analyzer fingerprint; the indexer and searchd refuse an index whose value differs from their own.
inline constexpr const char* kMetaAnalyzer = "helpsearch.analyzer";
/// Schema version of this header; bumped with any change to the names above.
/// Part of the analyzer fingerprint; written for people (xapian-delve).
inline constexpr const char* kMetaSchema = "helpsearch.schema";
inline constexpr const char* kSchemaVersion = "8";
/// A counter the indexer bumps in each run that changes a database (decimal).
/// Read by searchd as the revision of a remote shard (the remote protocol
/// tells no revision), so that caches keyed on it follow every change.
inline constexpr const char* kMetaChange = "helpsearch.change";
/// "i/N": the place of a database among the shards of a sharded index
/// (indexer/shards.h); absent in a single database. Shown by /healthz.
inline constexpr const char* kMetaShard = "helpsearch.shard";

// ---- positions ----------------------------------------------------------------
/// Gap left between blocks (paragraphs, list items, fields) so that phrases
/// never match across them.
inline constexpr Xapian::termpos kBlockGap = 100;

/// Longest term Xapian accepts is 245 bytes; longer exact-title keys are hashed.
inline constexpr size_t kMaxTermBytes = 240;

}  // namespace helpsearch::schema
