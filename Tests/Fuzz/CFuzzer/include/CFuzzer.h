#ifndef CLM_CFUZZER_H
#define CLM_CFUZZER_H

/// Runs libFuzzer's driver with the process's arguments over the harness's
/// LLVMFuzzerTestOneInput, and returns its exit status.
///
/// SwiftPM links every executable with `main` aliased to `<module>_main`, which a
/// harness without a Swift entry point never defines; so each harness has a tiny
/// `@main` that calls this instead of relying on libFuzzer's own `main`.
int clm_fuzz_main(int argc, char **argv);

#endif
