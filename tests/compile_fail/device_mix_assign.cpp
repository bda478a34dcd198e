// Assigning a gpu expression into a cpu tensor must not compile (copies are explicit: .to(cpu(0))).
#include <kiln/kiln.hpp>
int main() {
    auto a = kiln::ones<float>(kiln::shape(2, 2), kiln::cpu(0));
    auto b = kiln::ones<float>(kiln::shape(2, 2), kiln::gpu(0));
    a = b * 2.0f;
}
