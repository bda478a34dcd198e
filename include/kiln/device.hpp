// kiln/device.hpp: device tags. The tag is a type (a tensor's device is part of its type); the
// value carries the ordinal, so cpu(0) and gpu(0) read as in Gluon and print as cpu(0) / gpu(0).
#pragma once

#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "config.hpp"

namespace kiln {

struct cpu {
    int device_id = 0;
    constexpr cpu() = default;
    constexpr explicit cpu(int id) : device_id(id) {}
    static constexpr const char* type_name = "cpu";
    friend constexpr bool operator==(cpu a, cpu b) { return a.device_id == b.device_id; }
};

// In a file compiled by g++/clang++ in a CUDA build (precompiled mode, see config.hpp) the gpu tag is
// another type, still spelled kiln::gpu: its storage there is libkiln_cuda's buffer, not the Thrust
// device_vector of nvcc-compiled files, so everything instantiated for it (Tensor<T, S, gpu>, the
// layers, device_ops<gpu>) must have other symbol names. A program with both kinds of files then
// links without mixing the two, and a gpu tensor passed between them is a link error, not a crash.
#if KILN_GPU_PRECOMPILED
inline namespace precompiled_gpu {
#endif
struct gpu {
    int device_id = 0;
    constexpr gpu() = default;
    constexpr explicit gpu(int id) : device_id(id) {}
    static constexpr const char* type_name = "gpu";
    friend constexpr bool operator==(gpu a, gpu b) { return a.device_id == b.device_id; }
};
#if KILN_GPU_PRECOMPILED
}  // namespace precompiled_gpu
#endif

template <class D>
concept Device = std::is_same_v<D, cpu> || std::is_same_v<D, gpu>;

namespace detail {
// "cpu(0)"; and the error for operands on two devices of one type. Bodies: kiln/impl/device.ipp.
KILN_DECL std::string device_text(const char* type_name, int device_id);
[[noreturn]] KILN_COLD KILN_DECL void throw_different_devices(const std::string& a, const std::string& b);
}  // namespace detail

template <Device D>
inline std::string to_string(D d) {
    return detail::device_text(D::type_name, d.device_id);
}

template <Device D>
inline std::ostream& operator<<(std::ostream& os, D d) {
    return os << to_string(d);
}

// Thrown for device problems found at run time: no GPU, allocation failure, ordinals that differ.
class device_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The compile-time check behind "an expression mixing devices does not compile".
template <class A, class B>
constexpr void check_same_device_type() {
    if constexpr (std::is_same_v<A, cpu> && std::is_same_v<B, gpu>) {
        static_assert(std::is_same_v<A, B>,
                      "kiln: this expression mixes a cpu tensor (left) with a gpu tensor (right); devices never mix "
                      "implicitly: copy one side first, e.g. x.to(kiln::gpu(0)) or y.to(kiln::cpu(0))");
    } else if constexpr (std::is_same_v<A, gpu> && std::is_same_v<B, cpu>) {
        static_assert(std::is_same_v<A, B>,
                      "kiln: this expression mixes a gpu tensor (left) with a cpu tensor (right); devices never mix "
                      "implicitly: copy one side first, e.g. x.to(kiln::cpu(0)) or y.to(kiln::gpu(0))");
    } else {
        static_assert(std::is_same_v<A, B>, "kiln: operands live on different device types");
    }
}

template <Device D>
inline void check_same_ordinal(D a, D b) {
    if (!(a == b)) detail::throw_different_devices(to_string(a), to_string(b));
}

}  // namespace kiln

#if KILN_HEADER_ONLY
#include "impl/device.ipp"
#endif
