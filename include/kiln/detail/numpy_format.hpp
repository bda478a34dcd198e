// numpy-compatible text for float32 / float64 arrays.
//
// format_numpy() reproduces str(arr) of numpy >= 1.14 under the default print options
// (precision=8, floatmode='maxprec', threshold=1000, edgeitems=3, linewidth=75,
// suppress=False, sign='-'), which is what MXNet prints as the body of an NDArray.
//
// Reference behaviour: numpy 1.21 .. 2.2, i.e. the numpy 1.x that MXNet runs with (checked against
// numpy 1.26, and numpy 2.4 with np.set_printoptions(legacy='2.2'); see
// tests/golden/gen_print_goldens.py).  Two numpy 2 changes are deliberately not followed:
//  - numpy >= 2.3 switches float32 arrays to scientific notation from 1e6 instead of 1e8;
//  - numpy 2 (NEP 50) compares a float32 minimum with 1e-4 in float32, so an array whose smallest
//    nonzero magnitude is exactly float32(1e-4) prints positionally there, scientifically here.
// Self-contained: depends only on the standard library.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace kiln::detail {

namespace numpy_format_impl {

// A finite decimal number: (neg ? -1 : 1) * digits[0].digits[1..] * 10^exp.
// digits holds no leading zeros and no trailing zeros, except the single digit "0" for zero.
struct Decimal {
    bool neg = false;
    std::string digits;
    int exp = 0;
};

// Parses std::to_chars output in scientific form: [-]d[.ddd]e(+|-)dd...
// Trailing zeros of the significand are dropped unless keep_zeros.
inline Decimal parse_scientific(std::string_view s, bool keep_zeros = false) {
    Decimal d;
    std::size_t i = 0;
    if (i < s.size() && s[i] == '-') {
        d.neg = true;
        ++i;
    }
    for (; i < s.size() && s[i] != 'e'; ++i) {
        if (s[i] != '.') d.digits.push_back(s[i]);
    }
    ++i;  // 'e'
    bool eneg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        eneg = s[i] == '-';
        ++i;
    }
    int e = 0;
    for (; i < s.size(); ++i) e = e * 10 + (s[i] - '0');
    d.exp = eneg ? -e : e;
    if (keep_zeros) return d;
    while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
    if (d.digits == "0") d.exp = 0;
    return d;
}

// Parses std::to_chars output in fixed form: [-]ddd[.ddd]
inline Decimal parse_fixed(std::string_view s) {
    Decimal d;
    std::size_t i = 0;
    if (i < s.size() && s[i] == '-') {
        d.neg = true;
        ++i;
    }
    std::string all;
    int int_len = 0;
    bool seen_point = false;
    for (; i < s.size(); ++i) {
        if (s[i] == '.') {
            seen_point = true;
            continue;
        }
        all.push_back(s[i]);
        if (!seen_point) ++int_len;
    }
    const std::size_t first = all.find_first_not_of('0');
    if (first == std::string::npos) {
        d.digits = "0";
        d.exp = 0;
        return d;
    }
    d.digits = all.substr(first);
    d.exp = int_len - 1 - static_cast<int>(first);
    while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
    return d;
}

// Shortest decimal that round-trips through T (numpy's Dragon4 'unique' digits).
template <class T>
Decimal shortest(T x) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::scientific);
    Decimal d = parse_scientific(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    d.neg = std::signbit(x);
    return d;
}

// Number of digits after the decimal point when d is written positionally.
inline int fraction_digits(const Decimal& d) {
    if (d.digits == "0") return 0;
    return std::max(0, static_cast<int>(d.digits.size()) - 1 - d.exp);
}

// Dragon4 'unique' with a cutoff of `precision` digits after the point (positional):
// the shortest round-trip digits, or the exact value correctly rounded (ties to even)
// to `precision` fractional digits when the shortest form needs more.
//
// numpy's FloatingFormat passes min_digits=0, so Dragon4 never stops inside the integer part:
// when the shortest form would end before the units digit (float32 >= 2^24), the exact integer
// value is printed instead (e.g. float32 78223952 prints as 78223952., not 78223950.).
template <class T>
Decimal unique_positional(T x, int precision) {
    Decimal d = shortest(x);
    const bool ends_in_integer_part = d.digits != "0" && d.exp >= static_cast<int>(d.digits.size());
    if (!ends_in_integer_part && fraction_digits(d) <= precision) return d;
    char buf[512];
    const auto r = std::to_chars(buf, buf + sizeof(buf), static_cast<double>(x),
                                 std::chars_format::fixed, precision);
    Decimal rd = parse_fixed(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    rd.neg = std::signbit(x);
    return rd;
}

// The exact binary value correctly rounded (ties to even) to precision + 1 significant digits.
template <class T>
Decimal exact_scientific(T x, int precision, bool keep_zeros) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof(buf), static_cast<double>(x),
                                 std::chars_format::scientific, precision);
    Decimal d = parse_scientific(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)),
                                 keep_zeros);
    d.neg = std::signbit(x);
    return d;
}

// Dragon4 'unique' with a cutoff of `precision` digits after the point (scientific):
// at most precision + 1 significant digits.
template <class T>
Decimal unique_scientific(T x, int precision) {
    Decimal d = shortest(x);
    if (static_cast<int>(d.digits.size()) <= precision + 1) return d;
    return exact_scientific(x, precision, false);
}

// Integer part (with '-' when negative) and fractional digits of d written positionally.
inline void split_positional(const Decimal& d, std::string& int_part, std::string& frac_part) {
    int_part.clear();
    frac_part.clear();
    if (d.neg) int_part.push_back('-');
    if (d.digits == "0") {
        int_part.push_back('0');
        return;
    }
    const int n = static_cast<int>(d.digits.size());
    if (d.exp >= 0) {
        const int int_digits = d.exp + 1;
        for (int i = 0; i < int_digits; ++i)
            int_part.push_back(i < n ? d.digits[static_cast<std::size_t>(i)] : '0');
        if (n > int_digits) frac_part = d.digits.substr(static_cast<std::size_t>(int_digits));
    } else {
        int_part.push_back('0');
        frac_part.assign(static_cast<std::size_t>(-d.exp - 1), '0');
        frac_part += d.digits;
    }
}

// Exponent text as numpy writes it: sign, then at least `min_digits` digits.
inline std::string exponent_text(int e, int min_digits) {
    std::string digits = std::to_string(e < 0 ? -e : e);
    if (static_cast<int>(digits.size()) < min_digits)
        digits.insert(0, static_cast<std::size_t>(min_digits) - digits.size(), '0');
    return (e < 0 ? "-" : "+") + digits;
}

// str() of a numpy float scalar (what str() of a 0-d array prints).
template <class T>
std::string scalar_str(T x) {
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
    const long double a = std::fabs(static_cast<long double>(x));
    const Decimal d = shortest(x);
    if (std::fpclassify(x) == FP_ZERO || (1.e-4L <= a && a < 1.e16L)) {
        std::string ip, fp;
        split_positional(d, ip, fp);
        return ip + "." + (fp.empty() ? std::string("0") : fp);
    }
    std::string s;
    if (d.neg) s.push_back('-');
    s.push_back(d.digits[0]);
    if (d.digits.size() > 1) {
        s.push_back('.');
        s.append(d.digits, 1, std::string::npos);
    }
    s.push_back('e');
    s += exponent_text(d.exp, 2);
    return s;
}

// numpy's FloatingFormat for floatmode='maxprec', sign='-', suppress=False.
template <class T>
class FloatingFormat {
public:
    static constexpr int precision = 8;

    explicit FloatingFormat(const std::vector<T>& data) {
        bool any_finite = false;
        bool any_nonfinite = false;
        bool neg_inf = false;
        bool any_nonzero = false;
        T max_val = 0;
        T min_val = 0;
        for (const T x : data) {
            if (!std::isfinite(x)) {
                any_nonfinite = true;
                if (std::isinf(x) && x < 0) neg_inf = true;
                continue;
            }
            any_finite = true;
            if (std::fpclassify(x) == FP_ZERO) continue;
            const T a = std::fabs(x);
            if (!any_nonzero) {
                max_val = min_val = a;
                any_nonzero = true;
            } else {
                max_val = std::max(max_val, a);
                min_val = std::min(min_val, a);
            }
        }
        if (any_nonzero) {
            // The ratio is computed in T (numpy divides two T scalars); the thresholds are
            // compared in double (numpy 1.x promotes the Python float operand).
            const T ratio = max_val / min_val;
            exp_format_ = static_cast<double>(max_val) >= 1.e8 ||
                          static_cast<double>(min_val) < 0.0001 ||
                          static_cast<double>(ratio) > 1000.;
        }

        if (!any_finite) {
            pad_left_ = 0;
            pad_right_ = 0;
        } else if (exp_format_) {
            int max_frac = 0;
            int max_exp_len = 0;
            int max_int = 0;
            for (const T x : data) {
                if (!std::isfinite(x)) continue;
                const Decimal d = unique_scientific(x, precision);
                max_frac = std::max(max_frac, static_cast<int>(d.digits.size()) - 1);
                max_exp_len = std::max(
                    max_exp_len, static_cast<int>(exponent_text(d.exp, 2).size()));
                max_int = std::max(max_int, d.neg ? 2 : 1);
            }
            exp_size_ = max_exp_len - 1;
            sci_precision_ = max_frac;
            pad_left_ = max_int;
            pad_right_ = exp_size_ + 2 + sci_precision_;
        } else {
            std::string ip, fp;
            for (const T x : data) {
                if (!std::isfinite(x)) continue;
                split_positional(unique_positional(x, precision), ip, fp);
                pad_left_ = std::max(pad_left_, static_cast<int>(ip.size()));
                pad_right_ = std::max(pad_right_, static_cast<int>(fp.size()));
            }
        }

        if (any_nonfinite) {
            const int offset = pad_right_ + 1;
            pad_left_ = std::max({pad_left_, 3 - offset, 3 + (neg_inf ? 1 : 0) - offset});
        }
    }

    std::string operator()(T x) const {
        if (!std::isfinite(x)) {
            const std::string ret = std::isnan(x) ? "nan" : (x < 0 ? "-inf" : "inf");
            const int width = pad_left_ + pad_right_ + 1;
            return pad_to(ret, width);
        }
        if (exp_format_) {
            // numpy prints with min_digits = precision: when the shortest form is shorter,
            // Dragon4 keeps generating digits of the exact value and rounds the last one.
            Decimal d = unique_scientific(x, sci_precision_);
            if (static_cast<int>(d.digits.size()) < sci_precision_ + 1)
                d = exact_scientific(x, sci_precision_, true);
            std::string mant;
            if (d.neg) mant.push_back('-');
            mant.push_back(d.digits[0]);
            std::string s = pad_to(mant, pad_left_);
            s.push_back('.');
            s.append(d.digits, 1, std::string::npos);
            const int frac = static_cast<int>(d.digits.size()) - 1;
            if (frac < sci_precision_)
                s.append(static_cast<std::size_t>(sci_precision_ - frac), '0');
            s.push_back('e');
            s += exponent_text(d.exp, exp_size_);
            return s;
        }
        std::string ip, fp;
        split_positional(unique_positional(x, precision), ip, fp);
        std::string s = pad_to(ip, pad_left_);
        s.push_back('.');
        s += fp;
        if (static_cast<int>(fp.size()) < pad_right_)
            s.append(static_cast<std::size_t>(pad_right_) - fp.size(), ' ');
        return s;
    }

private:
    static std::string pad_to(const std::string& s, int width) {
        if (static_cast<int>(s.size()) >= width) return s;
        return std::string(static_cast<std::size_t>(width) - s.size(), ' ') + s;
    }

    bool exp_format_ = false;
    int pad_left_ = 0;
    int pad_right_ = 0;
    int exp_size_ = -1;
    int sci_precision_ = 0;
};

// Index lists of the items printed along one axis.
inline std::vector<std::size_t> printed_indices(std::size_t len, bool summarise,
                                                std::size_t edge_items) {
    std::vector<std::size_t> idx;
    if (summarise && len > 2 * edge_items) {
        for (std::size_t i = 0; i < edge_items; ++i) idx.push_back(i);
        for (std::size_t i = len - edge_items; i < len; ++i) idx.push_back(i);
    } else {
        for (std::size_t i = 0; i < len; ++i) idx.push_back(i);
    }
    return idx;
}

// numpy's _formatArray (legacy=False, separator ' '), over pre-formatted leaf words that are
// consumed in row-major order of the printed elements.
class ArrayLayout {
public:
    ArrayLayout(const std::size_t* shape, std::size_t rank, bool summarise, std::size_t edge_items,
                const std::vector<std::string>& words)
        : shape_(shape), rank_(rank), summarise_(summarise), edge_(edge_items), words_(words) {}

    std::string run(std::ptrdiff_t line_width) { return recurse(0, " ", line_width); }

private:
    static void extend_line(std::string& s, std::string& line, const std::string& word,
                            std::ptrdiff_t line_width, const std::string& next_line_prefix) {
        // Widths are signed as in Python: very deep arrays drive them negative.
        bool needs_wrap = static_cast<std::ptrdiff_t>(line.size() + word.size()) > line_width;
        if (line.size() <= next_line_prefix.size()) needs_wrap = false;
        if (needs_wrap) {
            const std::size_t end = line.find_last_not_of(" \t\n");
            s.append(line, 0, end == std::string::npos ? 0 : end + 1);
            s.push_back('\n');
            line = next_line_prefix;
        }
        line += word;
    }

    std::string recurse(std::size_t axis, const std::string& hanging_indent,
                        std::ptrdiff_t curr_width) {
        if (axis == rank_) return words_[next_word_++];

        const std::string next_hanging_indent = hanging_indent + " ";
        const std::ptrdiff_t next_width = curr_width - 1;  // room for the closing bracket
        const std::size_t a_len = shape_[axis];
        const bool show_summary = summarise_ && 2 * edge_ < a_len;
        const std::size_t leading = show_summary ? edge_ : 0;
        const std::size_t trailing = show_summary ? edge_ : a_len;
        const std::size_t axes_left = rank_ - axis;

        std::string s;
        if (axes_left == 1) {
            const std::ptrdiff_t elem_width = curr_width - 1;  // max(len(sep.rstrip()), len(']'))
            std::string line = hanging_indent;
            for (std::size_t i = 0; i < leading; ++i) {
                extend_line(s, line, recurse(axis + 1, next_hanging_indent, next_width),
                            elem_width, hanging_indent);
                line += ' ';
            }
            if (show_summary) {
                extend_line(s, line, "...", elem_width, hanging_indent);
                line += ' ';
            }
            for (std::size_t i = trailing; i > 1; --i) {
                extend_line(s, line, recurse(axis + 1, next_hanging_indent, next_width),
                            elem_width, hanging_indent);
                line += ' ';
            }
            extend_line(s, line, recurse(axis + 1, next_hanging_indent, next_width), elem_width,
                        hanging_indent);
            s += line;
        } else {
            const std::string line_sep(axes_left - 1, '\n');
            for (std::size_t i = 0; i < leading; ++i) {
                s += hanging_indent;
                s += recurse(axis + 1, next_hanging_indent, next_width);
                s += line_sep;
            }
            if (show_summary) {
                s += hanging_indent;
                s += "...";
                s += line_sep;
            }
            for (std::size_t i = trailing; i > 1; --i) {
                s += hanging_indent;
                s += recurse(axis + 1, next_hanging_indent, next_width);
                s += line_sep;
            }
            s += hanging_indent;
            s += recurse(axis + 1, next_hanging_indent, next_width);
        }
        return "[" + s.substr(hanging_indent.size()) + "]";
    }

    const std::size_t* shape_;
    std::size_t rank_;
    bool summarise_;
    std::size_t edge_;
    const std::vector<std::string>& words_;
    std::size_t next_word_ = 0;
};

}  // namespace numpy_format_impl

// data: row-major contiguous, shape[0..rank). Returns numpy's str(arr) text (no trailing newline).
// T = float (formatted as numpy float32) or double (numpy float64).
template <class T>
std::string format_numpy(const T* data, const std::size_t* shape, std::size_t rank) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "format_numpy supports float and double");
    namespace impl = numpy_format_impl;
    constexpr std::size_t threshold = 1000;
    constexpr std::size_t edge_items = 3;
    constexpr std::ptrdiff_t line_width = 75;

    if (rank == 0) return impl::scalar_str(data[0]);

    std::size_t size = 1;
    for (std::size_t k = 0; k < rank; ++k) size *= shape[k];
    if (size == 0) return "[]";
    const bool summarise = size > threshold;

    // The printed elements, in row-major order (numpy's _leading_trailing).
    std::vector<std::vector<std::size_t>> idx(rank);
    std::vector<std::size_t> stride(rank);
    for (std::size_t k = rank; k-- > 0;) {
        idx[k] = impl::printed_indices(shape[k], summarise, edge_items);
        stride[k] = (k + 1 == rank) ? 1 : stride[k + 1] * shape[k + 1];
    }
    std::vector<T> values;
    std::vector<std::size_t> pos(rank, 0);
    for (bool done = false; !done;) {
        std::size_t off = 0;
        for (std::size_t k = 0; k < rank; ++k) off += idx[k][pos[k]] * stride[k];
        values.push_back(data[off]);
        for (std::size_t k = rank;;) {  // advance the odometer, last axis fastest
            if (k == 0) {
                done = true;
                break;
            }
            --k;
            if (++pos[k] < idx[k].size()) break;
            pos[k] = 0;
        }
    }

    const impl::FloatingFormat<T> fmt(values);
    std::vector<std::string> words;
    words.reserve(values.size());
    for (const T x : values) words.push_back(fmt(x));

    impl::ArrayLayout layout(shape, rank, summarise, edge_items, words);
    return layout.run(line_width);
}

#ifdef KILN_SEPARATE_KERNELS
// Compiled once in <kiln/separate_kernels.hpp> (see there).
extern template std::string format_numpy<float>(const float*, const std::size_t*, std::size_t);
extern template std::string format_numpy<double>(const double*, const std::size_t*, std::size_t);
#endif

}  // namespace kiln::detail
