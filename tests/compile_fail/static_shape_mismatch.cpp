// Two static shapes that cannot match must not compile.
#include <kiln/kiln.hpp>
using kiln::c;
int main() {
    auto w = kiln::ones<float>(kiln::shape(c<1>, c<8>, c<3>, c<3>));
    auto x = kiln::ones<float>(kiln::shape(c<1>, c<3>, c<3>, c<3>));
    auto e = w + x;
    (void)e;
}
