// The article reader: front matter, Markdown fields, the sxs format, bad input.
#include <catch2/catch.hpp>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "article.h"
#include "markdown.h"
#include "sxs.h"

using namespace helpsearch;

namespace {

const char* kSxs = R"(---
title: 500應用程式密碼
ms.date: 04/21/2020
ms.topic: article
ms.custom:
- "500"
- "387"
ms.contentlocale: zh-TW
---
# <a name="app-passwords"></a><span data-ttu-id="3d4af-102">應用程式密碼</span><span class="sxs-lookup"><span data-stu-id="3d4af-102">App passwords</span></span>

<span data-ttu-id="3d4af-103">應用程式密碼是一種代碼。</span><span class="sxs-lookup"><span data-stu-id="3d4af-103">An app password is a code.</span></span>

1. <span data-ttu-id="3d4af-108">使用您的帳戶登入。</span><span class="sxs-lookup"><span data-stu-id="3d4af-108">Sign in with your account.</span></span>
)";

const char* kPlain = R"(---
title: Fix sync errors
ms.custom: "7648"
description: What to do.
---
# Fix sync errors

Run **OneDrive** again, see [the guide](https://example.com/guide).

> [!NOTE]
> Error `0x80070005` means access denied.

![Sync icon with a red cross](media/sync.png)

```
Set-MsolUser -UserPrincipalName x
```

## Still stuck?

<table><tr><td>Contact &amp; support</td></tr></table>
)";

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "|") + s;
  return out;
}

ReadResult read(const std::string& content, const std::string& path = "/x/en-US/doc.md") {
  return parse_article(content, {path, "en-US"});
}

}  // namespace

TEST_CASE("side-by-side articles: localized body, English kept apart", "[reader]") {
  ReadResult r = read(kSxs, "/corpus/zh-TW/app-passwords.md");
  REQUIRE(r.ok);
  const Article& a = r.article;
  CHECK(a.sxs);
  CHECK(a.key() == "zh-TW/app-passwords");
  CHECK(a.title == "應用程式密碼");
  CHECK(a.fm_title == "500應用程式密碼");
  CHECK(a.en_title == "App passwords");
  CHECK(join(a.ids) == "500|387");
  CHECK(a.date == "20200421");
  CHECK(join(a.blocks) == "應用程式密碼是一種代碼。|使用您的帳戶登入。");
  CHECK(join(a.english) == "App passwords|An app password is a code.|Sign in with your account.");
  CHECK(a.markdown.find("sxs-lookup") == std::string::npos);
  CHECK(a.markdown.find("An app password") == std::string::npos);
}

TEST_CASE("plain Markdown: fields by kind", "[reader]") {
  ReadResult r = read(kPlain);
  REQUIRE(r.ok);
  const Article& a = r.article;
  CHECK_FALSE(a.sxs);
  CHECK(a.title == "Fix sync errors");
  CHECK(join(a.ids) == "7648");
  CHECK(a.description == "What to do.");
  CHECK(join(a.headings) == "Still stuck?");
  CHECK(join(a.blocks) ==
        "Run OneDrive again, see the guide.|Error 0x80070005 means access denied.|Contact & support");
  CHECK(join(a.alt) == "Sync icon with a red cross");
  CHECK(join(a.code) == "0x80070005|Set-MsolUser -UserPrincipalName x\n");
  CHECK(a.english.empty());
}

TEST_CASE("ms.custom in all its shapes", "[reader]") {
  auto ids = [](const std::string& fm) {
    ReadResult r = read("---\n" + fm + "\n---\n# T\n");
    REQUIRE(r.ok);
    return join(r.article.ids);
  };
  CHECK(ids("ms.custom:\n- \"500\"\n- 387") == "500|387");
  CHECK(ids("ms.custom: '7648'") == "7648");
  CHECK(ids("ms.custom: ''") == "");
  CHECK(ids("title: x") == "");
  CHECK(ids("ms.custom: 665,2578") == "665|2578");
  CHECK(ids("ms.custom:\n- \"500\"\n- \"500\"") == "500");
}

TEST_CASE("locale: front matter, then folder, then default", "[reader]") {
  CHECK(read("---\nms.contentlocale: ja-jp\n---\n# T\n", "/a/de-DE/x.md").article.locale == "ja-JP");
  CHECK(read("---\ntitle: x\n---\n# T\n", "/a/de-DE/sub/x.md").article.locale == "de-DE");
  CHECK(parse_article("# T\n", {"/a/docs/x.md", "fr-FR"}).article.locale == "fr-FR");
  CHECK(folder_locale("/data/zh_tw/a.md") == "zh-TW");
  CHECK(folder_locale("/data/docs/a.md") == "");
}

TEST_CASE("bad input: clear reasons, lines where known", "[reader]") {
  ReadResult empty = read("  \n\n");
  CHECK_FALSE(empty.ok);
  CHECK(empty.error == "empty file");

  ReadResult binary = read(std::string("PK\x03\x04\0\0abc", 9));
  CHECK_FALSE(binary.ok);
  CHECK(binary.error.find("binary") != std::string::npos);

  ReadResult utf8 = read("---\ntitle: x\n---\n# T\n\nbad \xC3\x28 byte\n");
  CHECK_FALSE(utf8.ok);
  CHECK(utf8.error.find("invalid UTF-8") != std::string::npos);
  CHECK(utf8.line == 6);

  ReadResult huge = read(std::string(kMaxArticleBytes + 1, 'a'));
  CHECK_FALSE(huge.ok);
  CHECK(huge.error.find("too large") != std::string::npos);
}

TEST_CASE("broken or missing front matter is indexed with a warning", "[reader]") {
  ReadResult broken = read("---\ntitle: [unclosed\nms.custom: 1\n---\n# Title here\n\nBody.\n");
  REQUIRE(broken.ok);
  REQUIRE(broken.article.warnings.size() == 1);
  CHECK(broken.article.warnings[0].find("broken YAML front matter") != std::string::npos);
  CHECK(broken.article.warnings[0].find("line") != std::string::npos);
  CHECK(broken.article.title == "Title here");

  ReadResult none = read("# Just Markdown\n\nText.\n");
  REQUIRE(none.ok);
  CHECK(none.article.warnings.size() == 1);
  CHECK(none.article.title == "Just Markdown");
}

TEST_CASE("large articles are read whole", "[reader]") {
  std::string body = "---\ntitle: Big\n---\n# Big\n\n";
  for (int i = 0; i < 6000; ++i) body += "Paragraph " + std::to_string(i) + " about mailbox limits.\n\n";
  ReadResult r = read(body);
  REQUIRE(r.ok);
  CHECK(body.size() > 200000);
  CHECK(r.article.blocks.size() == 6000);
}

TEST_CASE("sxs split leaves plain Markdown alone and copes with unbalanced spans", "[reader]") {
  SxsSplit plain = split_sxs("Just <span>text</span> here");
  CHECK_FALSE(plain.is_sxs);
  CHECK(plain.localized == "Just <span>text</span> here");
  SxsSplit broken = split_sxs("<span data-ttu-id=\"1\">never closed");
  CHECK(broken.localized == "<span data-ttu-id=\"1\">never closed");
  SxsSplit nested = split_sxs(
      "<span data-ttu-id=\"1\">A <span>b</span></span><span class=\"sxs-lookup\"><span data-stu-id=\"1\">X "
      "<span>y</span></span></span>");
  CHECK(nested.localized == "A b");
  CHECK(nested.english == "X y");
}

TEST_CASE("the sxs split is linear on unbalanced span markers", "[reader]") {
  // Openings that never close, then openings with no '>' at all: each once
  // scanned to the end of the file (208 KB took 0.69 s, 4x per doubling).
  auto input = [](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += "<span data-ttu-id=\"1\">word ";
    for (size_t i = 0; i < n; ++i) s += "<span x ";
    return s;
  };
  auto seconds = [](auto&& work) {
    const auto start = std::chrono::steady_clock::now();
    work();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto split = [&](const std::string& s) {
    return seconds([&] { CHECK(split_sxs(s).localized.size() == s.size()); });
  };
  // A linear pass with the same memory traffic (two copies and a scan), so
  // that caches and page faults, which grow with size too, are factored out.
  auto baseline = [&](const std::string& s) {
    return seconds([&] {
      std::string a = s, b = s;
      CHECK(std::count(a.begin(), a.end(), '<') + std::count(b.begin(), b.end(), '>') > 0);
    });
  };
  // Freed memory stays in the heap (no fresh mmap, hence page faults, for
  // each 8.6 MB string): the rounds below then measure the split, not how
  // fast this kernel maps new pages, which varied the growth from 2 to 8.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  const std::string one = input(30000), eight = input(240000);  // 1 MB and 8.6 MB
  REQUIRE(split(one) < 0.5);  // quadratic: about 16 s
  // The fastest of rounds taken in turn, so that the machine's load at any
  // one moment does not decide.
  double split1 = 1e9, split8 = 1e9, base1 = 1e9, base8 = 1e9;
  for (int round = 0; round < 7; ++round) {
    split1 = std::min(split1, split(one));
    base1 = std::min(base1, baseline(one));
    split8 = std::min(split8, split(eight));
    base8 = std::min(base8, baseline(eight));
  }
  const double growth = (split8 / split1) / (base8 / base1);
  INFO("split 1x " << split1 << " s, 8x " << split8 << " s; linear pass 1x " << base1 << " s, 8x " << base8
                   << " s; growth relative to linear " << growth);
  CHECK(growth < 4);  // linear: about 1 to 2; quadratic: 8
  mallopt(M_MMAP_THRESHOLD, 128 << 10);  // glibc's defaults
  mallopt(M_TRIM_THRESHOLD, 128 << 10);
}

TEST_CASE("angle-bracket placeholders in prose are text, markup tags are not", "[reader]") {
  ReadResult r = read("---\ntitle: x\n---\n# Why does <script> appear?\n\n"
                      "Run Set-Mailbox <user>@contoso.com<br>then <b>save</b> <span>it</span>.\n");
  REQUIRE(r.ok);
  CHECK(r.article.title == "Why does <script> appear?");
  CHECK(join(r.article.blocks) == "Run Set-Mailbox <user>@contoso.com then save it.");
}

TEST_CASE("rendered HTML: placeholders escaped, raw HTML never passed through", "[reader]") {
  const std::string html = render_html("# Why <script>?\n\nUse <user>@contoso.com<br>and <b>x</b> "
                                       "<img src=x onerror=alert(1)> [a](javascript:alert(1))\n\n<div>raw</div>\n");
  CHECK(html.find("<h1>Why &lt;script&gt;?</h1>") != std::string::npos);
  CHECK(html.find("&lt;user&gt;@contoso.com<br />") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("onerror") == std::string::npos);
  CHECK(html.find("javascript:") == std::string::npos);
  CHECK(html.find("<div>") == std::string::npos);
}

TEST_CASE("random article bytes never crash the reader", "[reader]") {
  const std::vector<std::string> pieces = {
      "---\n", "title: x\n", "ms.custom:\n- \"1\"\n", "ms.custom: [\n", "# ", "## ", "\n", "\n\n", "> [!NOTE]\n",
      "<span data-ttu-id=\"a-1\">", "</span>", "<span class=\"sxs-lookup\">", "<span data-stu-id=\"a-1\">",
      "應用程式密碼", "パスワード", "text ", "**b**", "`code`", "```\n", "![alt](x.png)", "[l](u)", "| a | b |\n",
      "<table><tr><td>", "&amp;", "\xFF", std::string("\0", 1), "\xE3\x81", "ก่", "<user>", "<br>", "- item\n"};
  uint32_t state = 42;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  for (int i = 0; i < 500; ++i) {
    std::string content;
    const int n = 1 + static_cast<int>(next() % 40);
    for (int k = 0; k < n; ++k) content += pieces[next() % pieces.size()];
    ReadResult r = parse_article(content, {"/x/ja-JP/doc.md", "en-US"});
    if (r.ok) {
      CHECK(r.article.locale == "ja-JP");
      CHECK_FALSE(r.article.title.empty());
      (void)render_html(r.article.markdown);
    } else {
      CHECK_FALSE(r.error.empty());
    }
  }
}

TEST_CASE("pipe tables render as GFM tables (cmark-gfm), cells through cmark", "[reader]") {
  const std::string html = render_html(
      "Intro\n\n| Case | Use **this** |\n|:---|---:|\n| Outlook <user> | `code` |\n| short *row* |\n"
      "| a | b | beyond |\n\nNot | a table\n\n| a | b |\n|---|\n");
  CHECK(html.find("<table>\n<thead>\n<tr>\n<th align=\"left\">Case</th>\n<th align=\"right\">Use <strong>this</strong></th>") !=
        std::string::npos);
  CHECK(html.find("<td align=\"left\">Outlook &lt;user&gt;</td>\n<td align=\"right\"><code>code</code></td>") !=
        std::string::npos);
  // A row with fewer cells keeps its inline markup and is padded; one with
  // more drops what lies beyond the header's columns (as GitHub does).
  CHECK(html.find("<td align=\"left\">short <em>row</em></td>\n<td align=\"right\"></td>") != std::string::npos);
  CHECK(html.find("<td align=\"left\">a</td>\n<td align=\"right\">b</td>\n</tr>") != std::string::npos);
  CHECK(html.find("beyond") == std::string::npos);
  CHECK(html.find("<p>Not | a table</p>") != std::string::npos);
  CHECK(html.find("<p>| a | b |") != std::string::npos);  // header and delimiter disagree: no table
}

TEST_CASE("GFM extensions: strikethrough, autolinks; raw HTML stays omitted", "[reader]") {
  const std::string html = render_html("~~old~~ new, see www.contoso.com <script>alert(1)</script>\n");
  CHECK(html.find("<del>old</del>") != std::string::npos);
  CHECK(html.find("<a href=\"http://www.contoso.com\">www.contoso.com</a>") != std::string::npos);
  CHECK(html.find("<script>") == std::string::npos);
}

TEST_CASE("a table row with another number of cells keeps its text", "[reader]") {
  ReadResult r = read("---\ntitle: x\n---\n# T\n\n| Case | Use |\n|---|---|\n| only **one** |\n| a | b | c |\n");
  REQUIRE(r.ok);
  CHECK(join(r.article.blocks) == "Case · Use|only one|a · b");
}

TEST_CASE("pipe tables are read row by row", "[reader]") {
  ReadResult r = read("---\ntitle: x\n---\n# T\n\n| Case | Use |\n|---|---|\n| Outlook 2016 | **MFA** |\n\nAfter.\n");
  REQUIRE(r.ok);
  CHECK(join(r.article.blocks) == "Case · Use|Outlook 2016 · MFA|After.");
}

TEST_CASE("a header read completed with the body equals a full read", "[reader]") {
  const std::string bom_sxs = std::string("\xEF\xBB\xBF") + kSxs;
  for (const std::string& text : {std::string(kSxs), std::string(kPlain), bom_sxs, std::string("# Only a title\n\nBody.\n"),
                                  std::string("---\n: [broken\n---\n# Title\n\nText.\n")}) {
    const ArticleSource src{"docs/zh-TW/app-passwords.md", "en-US"};
    const ReadResult full = parse_article(text, src);
    const ReadResult done = parse_article_body(text, parse_article(text, src, ParseDepth::kHeader));
    REQUIRE(done.ok == full.ok);
    CHECK(done.article.key() == full.article.key());
    CHECK(done.article.title == full.article.title);
    CHECK(done.article.en_title == full.article.en_title);
    CHECK(done.article.ids == full.article.ids);
    CHECK(done.article.blocks == full.article.blocks);
    CHECK(done.article.english == full.article.english);
    CHECK(done.article.markdown == full.article.markdown);
    CHECK(done.article.warnings == full.article.warnings);
  }
}

TEST_CASE("Markdown read on two threads at once keeps its autolinks", "[reader]") {
  const std::string md = "See www.contoso.com/a?wt.mc_id=x for ~~old~~ news.\n\n| a | b |\n|---|---|\n| www.fabrikam.com | 2 |\n";
  const std::string alone = render_html(md);
  REQUIRE(alone.find("href=\"http://www.contoso.com/a?wt.mc_id=x\"") != std::string::npos);
  std::atomic<int> differ{0};
  auto run = [&] {
    for (int i = 0; i < 400; ++i) differ += render_html(md) != alone;
  };
  std::thread other(run);
  run();
  other.join();
  CHECK(differ == 0);
}
