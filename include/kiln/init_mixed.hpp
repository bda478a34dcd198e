// kiln/init_mixed.hpp: init::Mixed, an initializer chosen by the parameter's name.
//
//   init::Mixed mixed{init::rule{".*weight", init::Xavier{}}, init::rule{".*", init::Zero{}}};
//
// The rules are tried in order with an anchored regex match (Python's re.match); the first that
// matches fills the parameter; no match is a kiln::init_error. The initializers keep their own
// types (a Hana tuple), so each still sees the static shape.
#pragma once

#include <array>
#include <regex>
#include <string>
#include <utility>

#include "init.hpp"
#include "third_party/hana.hpp"

namespace kiln::init {

template <class I>
struct rule {
    std::string pattern;
    I init;
};
template <class I>
rule(const char*, I) -> rule<I>;
template <class I>
rule(std::string, I) -> rule<I>;

template <Initializer... I>
class Mixed {
    static_assert(sizeof...(I) > 0, "kiln: init::Mixed needs at least one rule");

public:
    explicit Mixed(rule<I>... rules)
        : patterns_{rules.pattern...}, regexes_{std::regex(rules.pattern)...}, inits_(rules.init...) {}

    template <class T, class S, class D>
    void operator()(const desc& d, TensorView<T, S, D> out) const {
        const std::string name(d.name);
        bool done = false;
        boost::hana::for_each(indices(), [&](auto k) {
            constexpr std::size_t idx = decltype(k)::value;
            if (done) return;
            if (std::regex_search(name, regexes_[idx], std::regex_constants::match_continuous)) {
                boost::hana::at_c<idx>(inits_)(d, out);
                done = true;
            }
        });
        if (!done) {
            std::string list;
            for (const auto& p : patterns_) list += (list.empty() ? "'" : ", '") + p + "'";
            throw init_error("Parameter name " + name + " did not match any pattern (" + list +
                             "). Consider adding a \".*\" pattern at the end with a default initializer.");
        }
    }

private:
    static constexpr auto indices() {
        return boost::hana::unpack(boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<sizeof...(I)>),
                                   boost::hana::make_tuple);
    }
    std::array<std::string, sizeof...(I)> patterns_;
    std::array<std::regex, sizeof...(I)> regexes_;
    boost::hana::tuple<I...> inits_;
};

}  // namespace kiln::init
