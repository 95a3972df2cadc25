# embed_bytes(PATH SYMBOL OUT_VAR): appends to OUT_VAR a C++ definition
# `const unsigned char SYMBOL[] = {...bytes..., 0};` of the file at PATH (NUL-terminated so text
# files can be read as C strings), and sets SYMBOL_SIZE in the caller to the file's size.
# Shared by the scripts that embed the console and the starter policies and lists.
function(embed_bytes path symbol out_var)
  file(READ "${path}" hex HEX)
  file(SIZE "${path}" size)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  set(${out_var} "${${out_var}}const unsigned char ${symbol}[] = {${bytes}0};\n" PARENT_SCOPE)
  set(${symbol}_SIZE ${size} PARENT_SCOPE)
endfunction()
