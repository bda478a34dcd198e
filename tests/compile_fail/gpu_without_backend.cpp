// With no gpu backend configured, creating a gpu tensor must not compile (and say how to enable one).
#include <kiln/kiln.hpp>
int main() {
    auto g = kiln::ones<float>(kiln::shape(2), kiln::gpu(0));
    (void)g;
}
