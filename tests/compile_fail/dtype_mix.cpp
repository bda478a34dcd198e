// float and double never mix implicitly.
#include <kiln/kiln.hpp>
int main() {
    auto a = kiln::ones<float>(kiln::shape(2));
    auto b = kiln::ones<double>(kiln::shape(2));
    auto e = a + b;
    (void)e;
}
