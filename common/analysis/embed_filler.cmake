# Writes OUT: a C++ source holding every data/filler/<language>.txt of DIR as
# helpsearch::kFillerLists, so that the lists travel inside the programs.
file(GLOB lists "${DIR}/*.txt")
list(SORT lists)
set(body "")
foreach(path IN LISTS lists)
  get_filename_component(language "${path}" NAME_WE)
  file(READ "${path}" content)
  string(APPEND body "    {\"${language}\", R\"HSFILLER(${content})HSFILLER\"},\n")
endforeach()
list(LENGTH lists count)
file(WRITE "${OUT}" "// Generated from data/filler/*.txt by embed_filler.cmake; do not edit.\n#include <cstddef>\nnamespace helpsearch {\nstruct FillerList {\n  const char* language;\n  const char* text;\n};\nextern const FillerList kFillerLists[] = {\n${body}};\nextern const size_t kFillerListCount = ${count};\n}  // namespace helpsearch\n")
