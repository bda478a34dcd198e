// A view of a temporary tensor would dangle: it must not compile.
#include <kiln/kiln.hpp>
int main() {
    auto v = kiln::arange<float>(12).reshape(kiln::shape(3, 4));
    (void)v;
}
