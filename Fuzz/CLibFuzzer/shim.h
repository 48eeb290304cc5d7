/* libFuzzer's own driver (libclang_rt.fuzzer_no_main, shipped with the Swift toolchain's clang).
   Only fuzzing builds (-D FUZZING) call it, so ordinary builds link nothing from here. */
#ifndef FLAME_CLIBFUZZER_H
#define FLAME_CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
