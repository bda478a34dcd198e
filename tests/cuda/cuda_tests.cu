// The device-generic test suites compiled by nvcc against Thrust's CUDA system: the gpu tag runs
// real kernels. Without a GPU the program exits 77, which Meson reports as SKIP.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cuda_runtime_api.h>

#include <cstdio>

#include "../test_tensor.cpp"
#include "../test_expr.cpp"
#include "../test_conv2d_kernels.cpp"
#include "../test_init.cpp"
#include "../test_parameter.cpp"
#include "../test_layers.cpp"
#include "../test_random.cpp"

int main(int argc, char** argv) {
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess || count == 0) {
        std::printf("no CUDA GPU here (%s): skipping the CUDA test suite\n",
                    err != cudaSuccess ? cudaGetErrorString(err) : "0 devices");
        return 77;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
