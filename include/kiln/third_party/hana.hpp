// The one place kiln includes Boost.Hana (only the pieces it uses, to keep compile time down).
#pragma once

#if !__has_include(<boost/hana/tuple.hpp>)
#error "kiln needs Boost.Hana (Debian: apt-get install libboost-dev)"
#endif
#include <boost/hana/at.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/integral_constant.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/range.hpp>
#include <boost/hana/unpack.hpp>
