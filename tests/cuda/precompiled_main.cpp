// Test driver of test_cuda_precompiled: test suites compiled by g++ in precompiled mode (the gpu tag
// runs libkiln_cuda's operations on a real GPU). Without a GPU the program exits 77 (Meson: SKIP).
// No CUDA header here either: libkiln_cuda says how many devices there are. Also the driver of
// test_separate_gpu_host, where the host library (kiln/gpu/host_library.ipp) provides one device.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <kiln/gpu/library.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    if (kiln::gpu_lib::device_count() == 0) {
        std::printf("no CUDA GPU here (libkiln_cuda finds 0 devices): skipping the precompiled-mode GPU suite\n");
        return 77;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
