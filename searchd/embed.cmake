# Writes OUT: a C++ source defining `const std::string& helpsearch::FUNC()`
# that returns the bytes of the file IN (web/index.html, openapi.json).
get_filename_component(name "${IN}" NAME)
file(READ "${IN}" content)
string(FIND "${content}" ")HSEMBED\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )HSEMBED\"")
endif()
file(WRITE "${OUT}" "// Generated from ${name} by embed.cmake; do not edit.\n#include \"handlers.h\"\nnamespace helpsearch {\nconst std::string& ${FUNC}() {\n  static const std::string text = R\"HSEMBED(${content})HSEMBED\";\n  return text;\n}\n}  // namespace helpsearch\n")
