# Writes OUT: a C++ source defining helpsearch::index_page() from the file IN.
file(READ "${IN}" content)
file(WRITE "${OUT}" "// Generated from web/index.html by embed.cmake; do not edit.\n#include \"handlers.h\"\nnamespace helpsearch {\nconst std::string& index_page() {\n  static const std::string page = R\"HSPAGE(${content})HSPAGE\";\n  return page;\n}\n}  // namespace helpsearch\n")
