# SPDX-License-Identifier: MIT
# Writes OUT, a C file holding every model file of MODELS (a ;-list of
# models/*.yaml) as bytes, with em_builtin_model() and
# em_builtin_model_name() (emulator/module.h): the emulator's models are
# built into the binary, so it needs no data files, and a new model is a
# new file in models/, not new code.
set(body "/* made by the build from the files of models/ (harness/embed_models.cmake) */\n")
string(APPEND body "#include <stddef.h>\n\n")
string(APPEND body "const char *em_builtin_model(size_t i, size_t *len);\n")
string(APPEND body "const char *em_builtin_model_name(size_t i);\n\n")
set(table "")
set(i 0)
list(SORT MODELS)
foreach(file ${MODELS})
  get_filename_component(name ${file} NAME_WE)
  string(TOLOWER ${name} name)
  file(READ ${file} hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "static const unsigned char model_${i}[] = {${bytes}0x00};\n")
  string(APPEND table "    {\"${name}\", model_${i}, ${len}},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND body "\nstatic const struct {\n    const char *name;\n    const unsigned char *text;\n    size_t len;\n} models[] = {\n${table}};\n\n")
string(APPEND body "const char *em_builtin_model(size_t i, size_t *len)\n{\n    if (i >= sizeof models / sizeof models[0])\n        return NULL;\n    *len = models[i].len;\n    return (const char *)models[i].text;\n}\n\n")
string(APPEND body "const char *em_builtin_model_name(size_t i)\n{\n    return i < sizeof models / sizeof models[0] ? models[i].name : NULL;\n}\n")
file(WRITE ${OUT}.tmp "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
