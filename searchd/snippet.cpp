#include "snippet.h"

#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>

namespace helpsearch {
namespace {

struct Span {
  size_t begin, end;
};

struct BlockMatch {
  std::string_view text;
  std::vector<Span> spans;
  size_t distinct = 0;
};

/// Stems of the words of an article's blocks, each stemmed once.
using StemCache = std::unordered_map<std::string, std::string>;

/// A block's matches of the query; distinct counts query items (a word by
/// its form or its stem: word_stems are the stems of plan.words; a run).
BlockMatch match_block(std::string_view block, const QueryPlan& plan, const Analyzer& local,
                       const std::vector<std::string>& word_stems,
                       const std::vector<std::vector<std::string_view>>& runs, StemCache& stems) {
  BlockMatch m;
  m.text = block;
  std::set<size_t> items;
  for (const Segment& seg : segment_runs_whole(block)) {  // the analyzer's own boundaries
    if (seg.kind == Segment::kWord) {
      auto w = std::find(plan.words.begin(), plan.words.end(), seg.norm);
      if (w != plan.words.end()) {
        m.spans.push_back({seg.begin, seg.end});
        items.insert(static_cast<size_t>(w - plan.words.begin()));
        continue;
      }
      if (plan.stems.empty()) continue;
      auto [cached, fresh] = stems.try_emplace(seg.norm);
      if (fresh) cached->second = local.stem(seg.norm);
      const std::string& st = cached->second;
      auto s = st.empty() ? plan.stems.end() : std::find(plan.stems.begin(), plan.stems.end(), st);
      if (s != plan.stems.end()) {
        m.spans.push_back({seg.begin, seg.end});
        const auto word = std::find(word_stems.begin(), word_stems.end(), st);
        items.insert(word != word_stems.end() ? static_cast<size_t>(word - word_stems.begin())
                                              : 1000 + static_cast<size_t>(s - plan.stems.begin()));
      }
      continue;
    }
    for (size_t k = 0; k < runs.size(); ++k) {
      const auto& r = runs[k];
      if (r.empty() || r.size() > seg.chars.size()) continue;
      for (size_t i = 0; i + r.size() <= seg.chars.size(); ++i) {
        size_t j = 0;
        while (j < r.size() && seg.chars[i + j].text == r[j]) ++j;
        if (j == r.size()) {
          m.spans.push_back({seg.chars[i].begin, seg.chars[i + j - 1].end});
          items.insert(2000 + k);
          i += j - 1;
        }
      }
    }
  }
  m.distinct = items.size();
  std::sort(m.spans.begin(), m.spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  return m;
}

/// Byte offset `chars` code points before pos (or 0).
size_t back_chars(std::string_view s, size_t pos, size_t chars) {
  while (pos > 0 && chars > 0) {
    --pos;
    while (pos > 0 && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
    --chars;
  }
  return pos;
}

/// Byte offset `chars` code points after pos (or the end).
size_t forward_chars(std::string_view s, size_t pos, size_t chars) {
  while (pos < s.size() && chars > 0) {
    ++pos;
    while (pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) ++pos;
    --chars;
  }
  return pos;
}

/// Moves a cut to a nearby ASCII space so that Latin words stay whole.
size_t snap_to_space(std::string_view s, size_t pos, bool forward) {
  for (size_t k = 0; k < 12; ++k) {
    size_t p = forward ? pos + k : pos - std::min(pos, k);
    if (p >= s.size()) return s.size();
    if (s[p] == ' ') return forward ? p : p + 1;
    if (p == 0) return 0;
  }
  return pos;
}

/// Whether text holds needle, where word_start (word_end) asks that no
/// ASCII letter or digit come just before (after) it. Other characters
/// count as a boundary, so the test never says no where the analyzer's
/// segments would match.
bool holds(std::string_view text, std::string_view needle, bool word_start, bool word_end) {
  for (size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) {
    if (word_start && at > 0 && is_ascii_alnum(text[at - 1])) continue;
    const size_t end = at + needle.size();
    if (word_end && end < text.size() && is_ascii_alnum(text[end])) continue;
    return true;
  }
  return false;
}

std::string render(const BlockMatch& m, size_t max_chars) {
  std::string_view t = m.text;
  size_t start = 0, end = t.size();
  if (utf8_length(t) > max_chars) {
    const size_t anchor = m.spans.empty() ? 0 : m.spans.front().begin;
    start = anchor == 0 ? 0 : cluster_floor(t, back_chars(t, anchor, max_chars / 4));
    if (start > 0) start = std::min(snap_to_space(t, start, false), anchor);
    end = cluster_floor(t, forward_chars(t, start, max_chars));
    if (end < t.size()) end = std::max(snap_to_space(t, end, false), anchor + 1);
    end = std::min(end, t.size());
  }
  std::string out;
  if (start > 0) out += "…";
  size_t pos = start;
  for (const Span& sp : m.spans) {
    if (sp.end <= pos || sp.begin >= end) continue;
    const size_t b = std::max(sp.begin, pos), e = std::min(sp.end, end);
    out += html_escape(t.substr(pos, b - pos));
    out += "<mark>";
    out += html_escape(t.substr(b, e - b));
    out += "</mark>";
    pos = e;
  }
  out += html_escape(t.substr(pos, end - pos));
  if (end < t.size()) out += "…";
  return out;
}


}  // namespace

std::string make_snippet(std::string_view text, std::string_view english, const QueryPlan& plan,
                         const Analyzer& local, size_t max_chars) {
  std::vector<std::vector<std::string_view>> runs;
  for (const auto& r : plan.runs) runs.push_back(code_points(r));
  // Cheap test before segmenting a block: its folded text must hold a query
  // item (a word or the start of its stem, a run). The count of items a
  // block holds bounds what match_block can find there.
  struct Item {
    std::vector<std::string> forms;  ///< the word and the start of its stem, or a run
    bool word = false;
  };
  std::vector<Item> items;
  std::vector<std::string> word_stems;
  for (const auto& w : plan.words) {
    const std::string& st = word_stems.emplace_back(local.stem(w));
    items.push_back({{w}, true});
    if (!st.empty()) items.back().forms.push_back(st.size() > 4 ? st.substr(0, st.size() - 1) : st);
  }
  for (const auto& r : plan.runs) items.push_back({{r}, false});
  // A word must start a word of the block (the word itself end one too):
  // "set" in "reset" is no match, and a block that only seems to hold more
  // items is segmented for nothing.
  auto items_in = [&](const std::string& folded_block) {
    return static_cast<size_t>(std::count_if(items.begin(), items.end(), [&](const Item& item) {
      for (size_t k = 0; k < item.forms.size(); ++k)
        if (holds(folded_block, item.forms[k], item.word, item.word && k == 0)) return true;
      return false;
    }));
  };
  StemCache stems;
  // Blocks are folded when first looked at: a block holding every item ends the search.
  auto best_of = [&](const std::vector<std::string_view>& blocks, std::vector<std::optional<std::string>>& folded,
                     size_t first, std::optional<BlockMatch>& best) {
    for (size_t i = first; i < blocks.size(); ++i) {
      if (!folded[i]) folded[i] = fold(blocks[i]);
      const size_t found = items_in(*folded[i]);
      if (found == 0 || (best && found <= best->distinct)) continue;
      BlockMatch m = match_block(blocks[i], plan, local, word_stems, runs, stems);
      if (m.spans.empty()) continue;
      if (!best || m.distinct > best->distinct) best = std::move(m);
      if (best->distinct >= items.size()) return;  // nothing can show more
    }
  };
  const std::vector<std::string_view> blocks = split_nonempty(text, '\n');
  std::vector<std::optional<std::string>> folded(blocks.size());
  std::optional<BlockMatch> best;
  // Block 0 is the title, shown anyway: prefer a body passage.
  best_of(blocks, folded, blocks.size() > 1 ? 1 : 0, best);
  if (!best && blocks.size() > 1) best_of(blocks, folded, 0, best);
  if (!best) {
    const std::vector<std::string_view> en = split_nonempty(english, '\n');
    std::vector<std::optional<std::string>> en_folded(en.size());
    best_of(en, en_folded, 0, best);
  }
  if (!best) {
    BlockMatch plain;
    plain.text = blocks.size() > 1 ? blocks[1] : blocks.empty() ? std::string_view() : blocks[0];
    return render(plain, max_chars);
  }
  return render(*best, max_chars);
}

}  // namespace helpsearch
