// Static shapes that cannot broadcast must not compile.
#include <kiln/kiln.hpp>
using kiln::c;
int main() {
    constexpr auto s = kiln::broadcast(kiln::shape(c<4>, c<2>), kiln::shape(c<3>));
    (void)s;
}
