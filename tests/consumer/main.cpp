#include <kiln/kiln.hpp>

#include <iostream>

int main() {
    auto x = kiln::ones<float>(kiln::shape(kiln::c<2>, kiln::c<2>));
    kiln::Tensor<float, kiln::Shape<2, 2>> y = x * 3.0f + 1.0f;
    std::cout << "consumer sum=" << kiln::sum(y) << y << "\n";
    return kiln::sum(y) == 16.0f ? 0 : 1;
}
