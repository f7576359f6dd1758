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

std::vector<std::string> code_points(std::string_view s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t j = i + 1;
    while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

/// Stems of the words of an article's blocks, each stemmed once.
using StemCache = std::unordered_map<std::string, std::string>;

BlockMatch match_block(std::string_view block, const QueryPlan& plan, const Analyzer& local,
                       const std::vector<std::vector<std::string>>& runs, StemCache& stems) {
  BlockMatch m;
  m.text = block;
  std::set<size_t> items;
  for (const Segment& seg : segment(block)) {  // the analyzer's own boundaries
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
        items.insert(1000 + static_cast<size_t>(s - plan.stems.begin()));
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
  std::vector<std::vector<std::string>> runs;
  for (const auto& r : plan.runs) runs.push_back(code_points(r));
  // Cheap test before segmenting a block: its folded text must hold a query
  // word, run, or the start of a stem. Each block is folded once.
  std::vector<std::string> needles(plan.words.begin(), plan.words.end());
  needles.insert(needles.end(), plan.runs.begin(), plan.runs.end());
  for (const auto& st : plan.stems) needles.push_back(st.size() > 4 ? st.substr(0, st.size() - 1) : st);
  const std::vector<std::string_view> blocks = split_nonempty(text, '\n');
  std::vector<std::string> folded;
  folded.reserve(blocks.size());
  for (std::string_view b : blocks) folded.push_back(fold(b));
  auto holds = [&](const std::string& n) {
    return std::any_of(folded.begin(), folded.end(), [&](const std::string& f) { return f.find(n) != std::string::npos; });
  };
  // The most distinct query items one block can show: those the article holds at all.
  size_t all_items = 0;
  for (size_t k = 0; k < plan.words.size(); ++k) {
    const std::string st = local.stem(plan.words[k]);
    all_items += holds(plan.words[k]) || (!st.empty() && holds(st.size() > 4 ? st.substr(0, st.size() - 1) : st));
  }
  for (const auto& r : plan.runs) all_items += holds(r);
  all_items = std::max<size_t>(all_items, 1);
  StemCache stems;
  auto best_of = [&](const std::vector<std::string_view>& blocks, const std::vector<std::string>* folded_blocks,
                     size_t first, std::optional<BlockMatch>& best) {
    for (size_t i = first; i < blocks.size(); ++i) {
      const std::string f = folded_blocks ? std::string() : fold(blocks[i]);
      const std::string& fb = folded_blocks ? (*folded_blocks)[i] : f;
      // At most as many distinct items as needles in the block: skip it when
      // that cannot beat the best so far.
      const auto found = static_cast<size_t>(std::count_if(
          needles.begin(), needles.end(), [&](const std::string& n) { return fb.find(n) != std::string::npos; }));
      if (found == 0 || (best && found <= best->distinct)) continue;
      BlockMatch m = match_block(blocks[i], plan, local, runs, stems);
      if (m.spans.empty()) continue;
      if (!best || m.distinct > best->distinct) best = std::move(m);
      if (best->distinct >= all_items) return;  // nothing can show more
    }
  };
  std::optional<BlockMatch> best;
  // Block 0 is the title, shown anyway: prefer a body passage.
  best_of(blocks, &folded, blocks.size() > 1 ? 1 : 0, best);
  if (!best && blocks.size() > 1) best_of(blocks, &folded, 0, best);
  if (!best) best_of(split_nonempty(english, '\n'), nullptr, 0, best);
  if (!best) {
    BlockMatch plain;
    plain.text = blocks.size() > 1 ? blocks[1] : blocks.empty() ? std::string_view() : blocks[0];
    return render(plain, max_chars);
  }
  return render(*best, max_chars);
}

}  // namespace helpsearch
