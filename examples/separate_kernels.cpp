// The one file of examples/tutorial_separate_kernels that instantiates kiln's cpu kernels; the
// tutorial itself is compiled with -DKILN_SEPARATE_KERNELS and only declares them.
#include <kiln/separate_kernels.hpp>
