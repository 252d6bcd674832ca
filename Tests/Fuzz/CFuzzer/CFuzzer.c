#include "CFuzzer.h"

#include <stddef.h>
#include <stdint.h>

// Both provided at link time: the driver by libclang_rt.fuzzer (-sanitize=fuzzer), the
// entry point by the harness (@_cdecl("LLVMFuzzerTestOneInput")).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int clm_fuzz_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
