// The OpenAPI 3 document of searchd; tests check that it lists every route.
#include <nlohmann/json.hpp>

#include "handlers.h"

namespace helpsearch {
namespace {

using json = nlohmann::json;

json query_param(const std::string& name, const std::string& description, const json& schema,
                 bool required = false) {
  return {{"name", name}, {"in", "query"}, {"required", required}, {"description", description}, {"schema", schema}};
}

json path_param(const std::string& name, const std::string& description) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"description", description},
          {"schema", {{"type", "string"}}}};
}

json ok(const std::string& description, const std::string& schema_ref, const std::string& type = "application/json") {
  json content = schema_ref.empty() ? json{{"schema", {{"type", "string"}}}}
                                    : json{{"schema", {{"$ref", "#/components/schemas/" + schema_ref}}}};
  return {{"description", description}, {"content", {{type, content}}}};
}

json error_ref(const std::string& description) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

}  // namespace

std::string openapi_document() {
  const json locale = query_param("locale", "ja-JP, ja, ja_jp …; omitted = all locales. Falls back along the locale's chain (zh-HK → zh-TW, any → en-US) when it has no match.", {{"type", "string"}});
  const json hit = {{"type", "object"},
                    {"properties",
                     {{"key", {{"type", "string"}, {"example", "ja-JP/app-passwords"}}},
                      {"locale", {{"type", "string"}}},
                      {"slug", {{"type", "string"}}},
                      {"title", {{"type", "string"}}},
                      {"ids", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                      {"score", {{"type", "number"}}},
                      {"snippet", {{"type", "string"}, {"description", "HTML-escaped, matches in <mark>"}}}}}};
  json doc = {
      {"openapi", "3.0.3"},
      {"info", {{"title", "helpsearch searchd"}, {"version", "1.0.0"},
                {"description", "Ranked, locale-filtered search over help articles."}}},
      {"paths",
       {{"/v1/search",
         {{"get",
           {{"summary", "Ranked search"},
            {"parameters",
             {query_param("q", "What the user typed: words, \"phrases\", -exclusions, title:, id:", {{"type", "string"}, {"maxLength", 1000}}, true),
              locale,
              query_param("limit", "Hits per page", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 10}}),
              query_param("offset", "Hits to skip", {{"type", "integer"}, {"minimum", 0}, {"default", 0}}),
              query_param("facets", "0 to skip the locale facet counts", {{"type", "integer"}, {"default", 1}})}},
            {"responses", {{"200", ok("Hits", "SearchResult")}, {"400", error_ref("Bad parameter")}}}}}}},
        {"/v1/lookup/{id}",
         {{"get",
           {{"summary", "Articles carrying a custom ID, by title match then date"},
            {"parameters", {path_param("id", "Custom ID, e.g. 500"), locale}},
            {"responses", {{"200", ok("Articles", "LookupResult")}, {"400", error_ref("Bad parameter")},
                           {"404", error_ref("No article carries the ID")}}}}}}},
        {"/v1/suggest",
         {{"get",
           {{"summary", "As-you-type title completions"},
            {"parameters",
             {query_param("q", "The text typed so far", {{"type", "string"}}, true), locale,
              query_param("limit", "Completions", {{"type", "integer"}, {"minimum", 1}, {"maximum", 50}, {"default", 8}})}},
            {"responses", {{"200", ok("Completions", "SuggestResult")}, {"400", error_ref("Bad parameter")}}}}}}},
        {"/v1/articles/{locale}/{slug}",
         {{"get",
           {{"summary", "One article, rendered"},
            {"parameters", {path_param("locale", "Locale, e.g. ja-JP"), path_param("slug", "File name without .md")}},
            {"responses", {{"200", ok("The article", "Article")}, {"404", error_ref("No such article")}}}}}}},
        {"/media/{locale}/{file}",
         {{"get",
           {{"summary", "An article image from media/ beside the articles (absent when media_base_url points elsewhere)"},
            {"parameters", {path_param("locale", "Locale, e.g. en-US"),
                            path_param("file", "Image file name: letters, digits, '.', '-', '_'; .png .jpg .jpeg .gif .webp .svg")}},
            {"responses", {{"200", {{"description", "The image, with ETag and Cache-Control"}}},
                           {"304", {{"description", "Unchanged (If-None-Match)"}}},
                           {"403", error_ref("Larger than max_media_bytes")},
                           {"404", error_ref("No such image")}}}}}}},
        {"/healthz",
         {{"get", {{"summary", "Index status"}, {"responses", {{"200", ok("Documents, revision, analyzer", "Health")}}}}}}},
        {"/metrics",
         {{"get", {{"summary", "Prometheus metrics"},
                   {"responses", {{"200", ok("Prometheus text", "", "text/plain")}}}}}}},
        {"/v1/openapi.json",
         {{"get", {{"summary", "This document"}, {"responses", {{"200", {{"description", "OpenAPI 3"}}}}}}}}},
        {"/",
         {{"get", {{"summary", "The help search page (?q=, ?locale=, ?embed=1)"},
                   {"responses", {{"200", ok("HTML page", "", "text/html")}}}}}}},
        {"/favicon.ico",
         {{"get", {{"summary", "The page's icon (SVG)"}, {"responses", {{"200", ok("SVG image", "", "image/svg+xml")}}}}}}}}},
      {"components",
       {{"schemas",
         {{"Hit", hit},
          {"Error", {{"type", "object"},
                     {"properties", {{"error", {{"type", "object"},
                                                {"properties", {{"code", {{"type", "string"}}},
                                                                {"message", {{"type", "string"}}}}}}}}}}},
          {"SearchResult",
           {{"type", "object"},
            {"properties",
             {{"query", {{"type", "string"}}},
              {"locale", {{"type", "string"}, {"nullable", true}}},
              {"locale_used", {{"type", "string"}, {"nullable", true}}},
              {"total", {{"type", "integer"}}},
              {"took_ms", {{"type", "number"}}},
              {"hits", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/Hit"}}}}},
              {"facets", {{"type", "object"}}},
              {"suggestion", {{"type", "string"}, {"nullable", true}}}}}}},
          {"LookupResult",
           {{"type", "object"},
            {"properties", {{"id", {{"type", "string"}}}, {"total", {{"type", "integer"}}},
                            {"hits", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/Hit"}}}}}}}}},
          {"SuggestResult",
           {{"type", "object"},
            {"properties", {{"query", {{"type", "string"}}},
                            {"suggestions", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}}},
          {"Article",
           {{"type", "object"},
            {"properties", {{"key", {{"type", "string"}}}, {"title", {{"type", "string"}}},
                            {"ids", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                            {"html", {{"type", "string"}}}, {"text", {{"type", "string"}}}}}}},
          {"Health",
           {{"type", "object"},
            {"properties", {{"documents", {{"type", "integer"}}}, {"revision", {{"type", "string"}}},
                            {"analyzer", {{"type", "string"}}}}}}}}}}}};
  return doc.dump(1);
}

}  // namespace helpsearch
