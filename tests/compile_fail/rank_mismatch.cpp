// Element-wise operands of different rank must not compile.
#include <kiln/kiln.hpp>
int main() {
    auto a = kiln::ones<float>(kiln::shape(2, 2));
    auto b = kiln::ones<float>(kiln::shape(4));
    auto e = a * b;
    (void)e;
}
