// An expression mixing devices must not compile.
#include <kiln/kiln.hpp>
int main() {
    auto a = kiln::ones<float>(kiln::shape(2, 2), kiln::cpu(0));
    auto b = kiln::ones<float>(kiln::shape(2, 2), kiln::gpu(0));
    auto e = a + b;
    (void)e;
}
