// Xavier on a static 1-D shape must not compile.
#include <kiln/kiln.hpp>
int main() {
    auto b = kiln::zeros<float>(kiln::shape(kiln::c<8>));
    kiln::init::Xavier{}(kiln::init::make_desc("bias"), b.view());
}
