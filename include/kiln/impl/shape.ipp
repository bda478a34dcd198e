// kiln/impl/shape.ipp: the bodies of kiln/shape.hpp (see KILN_DECL in kiln/config.hpp).
#pragma once

#include "../shape.hpp"

namespace kiln::detail {

KILN_DECL std::string extents_text(const std::size_t* e, std::size_t rank) {
    std::string s = "(";
    for (std::size_t i = 0; i < rank; ++i) {
        if (i) s += ", ";
        s += std::to_string(e[i]);
    }
    if (rank == 1) s += ",";
    s += ")";
    return s;
}
KILN_DECL std::string extents_x_text(const std::size_t* e, std::size_t rank) {
    std::string s;
    for (std::size_t i = 0; i < rank; ++i) {
        if (i) s += "x";
        s += std::to_string(e[i]);
    }
    return s;
}

KILN_DECL void throw_rank_mismatch(const std::size_t* e, std::size_t rank, std::size_t expected_rank) {
    throw shape_error("kiln: rank mismatch: " + extents_text(e, rank) + " vs a rank-" + std::to_string(expected_rank) +
                      " shape");
}

KILN_DECL void throw_does_not_fit(const std::size_t* e, const std::size_t* st, std::size_t rank) {
    std::string t = "Shape<";
    for (std::size_t j = 0; j < rank; ++j) {
        if (j) t += ", ";
        t += st[j] == dyn ? std::string("dyn") : std::to_string(st[j]);
    }
    throw shape_error("kiln: shape " + extents_text(e, rank) + " does not fit " + t + ">");
}

}  // namespace kiln::detail
