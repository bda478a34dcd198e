// kiln/parameter.hpp: Gluon's Parameter: a name, a shape (static, or with deferred extents), a
// dtype, a device and its own initializer; declared -> deferred (initialization pending) ->
// initialized, with Gluon's transitions, errors and texts (see docs/gluon-parity.md for where kiln
// deliberately differs: every failing call leaves the parameter exactly as it was).
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "errors.hpp"
#include "init.hpp"
#include "tensor.hpp"

namespace kiln {

enum class param_state { declared, deferred, initialized };

inline const char* to_string(param_state s) {
    return s == param_state::declared ? "declared" : s == param_state::deferred ? "deferred" : "initialized";
}

// How the dtype is spelled in the repr. Gluon prints what the layer passed: Conv2D passes nothing,
// so the numpy class (<class 'numpy.float32'>); Dense passes the string 'float32'.
enum class dtype_style { numpy_class, name };

template <class T>
constexpr const char* dtype_name() {
    return std::is_same_v<T, float> ? "float32" : "float64";
}

namespace detail {
// Everything of a Parameter's texts and errors that does not depend on its types: one out-of-line
// copy per file (or per program, see KILN_DECL) instead of one per Parameter<T, S, D> (a layer has
// several, each with its own S). The bodies: kiln/impl/parameter.ipp.
KILN_DECL std::string parameter_repr(const std::string& name, const std::string& shape, dtype_style style,
                                     const char* dtype);
// initialize() on a shape with unknown extents: `deferred_hint` when the initialization was deferred
// and is being completed (Gluon's _finish_deferred_init), without it when deferring is not allowed.
[[noreturn]] KILN_COLD KILN_DECL void throw_invalid_shape(const std::string& name, const std::string& shape,
                                                          bool deferred_hint);
KILN_COLD KILN_DECL void warn_already_initialized(const std::string& name);
[[noreturn]] KILN_COLD KILN_DECL void throw_no_data(const std::string& name, bool deferred);
[[noreturn]] KILN_COLD KILN_DECL void throw_wrong_context(const std::string& name, const std::string& asked,
                                                          const std::string& has);
[[noreturn]] KILN_COLD KILN_DECL void throw_set_data_uninitialized(const std::string& name);
}  // namespace detail

// Non-template view of a parameter, for listings (collect_params) and printing.
class parameter_base {
public:
    virtual ~parameter_base() = default;
    virtual const std::string& name() const = 0;
    virtual std::string shape_str() const = 0;
    virtual param_state state() const = 0;
    virtual std::string repr() const = 0;
};

inline std::ostream& operator<<(std::ostream& os, const parameter_base& p) { return os << p.repr(); }

namespace detail {
// The part of Parameter<T, S, D> that depends on its element type, rank and device but not on its
// extents: the name, the stored initializer, the pending (deferred) initialization, and the code
// around them. Every parameter of one (T, rank, D) shares one instantiation of it; a network has
// about as many weight shapes as layers, and each shape compiles only what Parameter<T, S, D> adds
// (the typed shape and tensor).
template <Element T, std::size_t R, Device D>
class parameter_common : public parameter_base {
public:
    // Stored (type-erased) initializers see the parameter through a view whose extents are all
    // runtime values, so a rank check that can only fail for some parameters is a runtime error
    // there (Gluon's text), while applying an initializer directly to a static shape checks at
    // compile time.
    using erased_view = TensorView<T, dynamic_shape<R>, D>;
    using erased_init = std::function<void(const init::desc&, erased_view)>;

    parameter_common(const parameter_common&) = delete;
    parameter_common& operator=(const parameter_common&) = delete;

    const std::string& name() const override { return name_; }
    bool has_init() const { return static_cast<bool>(own_init_); }

    // The parameter's own initializer (a layer's weight_initializer / bias_initializer).
    template <init::Initializer I>
    void set_init(const I& i) {
        own_init_ = erase(i);
    }
    void clear_init() { own_init_ = nullptr; }

protected:
    struct pending {
        erased_init init;
        D ctx;
        std::optional<std::vector<T>> data;  // from set_data while deferred
    };

    // (Not inlined, here and below: each Parameter<T, S, D> calls the one copy instead of compiling
    // its own; none of them is on a hot path.)
    KILN_NOINLINE parameter_common(std::string name, bool allow_deferred_init, dtype_style style)
        : name_(std::move(name)), allow_deferred_(allow_deferred_init), style_(style) {}
    KILN_NOINLINE ~parameter_common() override {}

    template <init::Initializer I>
    static erased_init erase(const I& i) {
        return [i](const init::desc& d, erased_view v) { i(d, v); };
    }
    // Runs a stored initializer on the elements at p, with extents dims.
    KILN_NOINLINE void run(const erased_init& f, T* p, const std::size_t* dims, D ctx) const {
        f(init::make_desc(name_), erased_view(p, shape_from<dynamic_shape<R>>(dims, R), ctx));
    }
    bool already_initialized(bool has_data, bool force_reinit) const {
        if (has_data && !force_reinit) {
            warn_already_initialized(name_);
            return true;
        }
        return false;
    }
    // Keeps i for the first forward pass (the shape has unknown extents).
    KILN_NOINLINE void defer(erased_init i, D ctx, const std::string& shape) {
        if (!allow_deferred_) throw_invalid_shape(name_, shape, false);
        pending_ = pending{std::move(i), ctx, std::nullopt};
    }
    void check_data(bool has_data) const {
        if (!has_data) throw_no_data(name_, pending_.has_value());
    }
    std::string repr_of(const std::string& shape) const { return parameter_repr(name_, shape, style_, dtype_name<T>()); }

    std::string name_;
    bool allow_deferred_;
    dtype_style style_;
    erased_init own_init_;
    std::optional<pending> pending_;
};
}  // namespace detail

template <Element T, ShapeType S, Device D = cpu>
class Parameter : public detail::parameter_common<T, S::rank(), D> {
    using common = detail::parameter_common<T, S::rank(), D>;
    using typename common::pending;
    using common::name_;
    using common::own_init_;
    using common::pending_;

public:
    static constexpr std::size_t R = S::rank();
    using value_type = T;
    using shape_type = S;
    using device_type = D;
    using tensor_type = Tensor<T, S, D>;
    using typename common::erased_init;
    using typename common::erased_view;

    explicit Parameter(std::string name, const S& shape = S{}, bool allow_deferred_init = false,
                       dtype_style style = dtype_style::numpy_class)
        : common(std::move(name), allow_deferred_init, style), shape_(shape) {}

    // ---------------------------------------------------------------- queries
    const S& shape() const { return shape_; }
    std::string shape_str() const override { return shape_.str(); }
    param_state state() const override {
        return data_ ? param_state::initialized : pending_ ? param_state::deferred : param_state::declared;
    }

    // Parameter conv2_weight (shape=(1, 0, 3, 3), dtype=<class 'numpy.float32'>)
    std::string repr() const override { return this->repr_of(shape_.str()); }

    // ---------------------------------------------------------------- initialize
    // Gluon's Parameter.initialize(init, ctx, default_init, force_reinit) with init given explicitly:
    // it wins over the parameter's own initializer.
    template <init::Initializer I>
    void initialize(const I& explicit_init, D ctx = D{}, bool force_reinit = false) {
        if (this->already_initialized(data_.has_value(), force_reinit)) return;
        if (shape_.known()) {
            commit(make_data(shape_, ctx, [&](tensor_type& t) { explicit_init(init::make_desc(name_), t.view()); }));
        } else {
            defer(common::erase(explicit_init), ctx);
        }
    }

    // No explicit initializer: the parameter's own, else Gluon's default Uniform(0.07).
    void initialize(D ctx = D{}, bool force_reinit = false) { initialize_default(init::Uniform{}, ctx, force_reinit); }

    // A block's initialize(init): init is the *default*, used only when the parameter has none of its own.
    template <init::Initializer I>
    void initialize_default(const I& default_init, D ctx = D{}, bool force_reinit = false) {
        if (this->already_initialized(data_.has_value(), force_reinit)) return;
        initialize_with(own_init_ ? own_init_ : common::erase(default_init), ctx);
    }

    // ---------------------------------------------------------------- data
    tensor_type& data() {
        this->check_data(data_.has_value());
        return *data_;
    }
    const tensor_type& data() const {
        this->check_data(data_.has_value());
        return *data_;
    }
    tensor_type& data(D ctx) {
        this->check_data(data_.has_value());
        if (!(data_->context() == ctx)) detail::throw_wrong_context(name_, to_string(ctx), to_string(data_->context()));
        return *data_;
    }

    // The device the parameter lives on (or will, once its deferred initialization completes).
    std::optional<D> context() const {
        if (data_) return data_->context();
        if (pending_) return pending_->ctx;
        return std::nullopt;
    }

    // ---------------------------------------------------------------- set_data
    // Fills deferred extents from data's shape (Gluon's shape rule), copies across devices and
    // converts the element type. On a deferred parameter the data is kept and used instead of the
    // initializer when the initialization completes. Any failure leaves the parameter unchanged.
    template <class U, class S2, class D2>
    void set_data(const Tensor<U, S2, D2>& src) {
        set_data_impl(src);
    }
    template <class U, class S2, class D2>
    void set_data(const TensorView<U, S2, D2>& src) {
        set_data_impl(src);
    }

    // ---------------------------------------------------------------- deferred shapes
    // Gluon's shape setter: fills 0 extents, never changes a known one. Strong guarantee.
    template <ShapeType S2>
    void infer_shape(const S2& s) {
        fill_deferred(shape_, s);
    }

    // Completes a pending (deferred) initialization now that the shape is known.
    void finish_deferred_init() { finish_with(shape_); }

    // Fills the deferred extents from `inferred` and completes the initialization, as one step:
    // if anything fails (shape rule, initializer, allocation) shape and state stay as they were.
    template <ShapeType S2>
    void finish_deferred_init(const S2& inferred) {
        S next = shape_;
        fill_deferred(next, inferred);
        finish_with(next);
    }

private:
    // One instantiation per Parameter type, whatever the initializer's type.
    void initialize_with(erased_init chosen, D ctx) {
        if (shape_.known()) {
            commit(make_data(shape_, ctx, [&](tensor_type& t) { run(chosen, t); }));
        } else {
            defer(std::move(chosen), ctx);
        }
    }
    void run(const erased_init& f, tensor_type& t) const {
        const auto dims = t.shape().dims();
        common::run(f, t.data(), dims.data(), t.context());
    }
    void defer(erased_init i, D ctx) {
        common::defer(std::move(i), ctx, shape_.str());
        data_.reset();
    }

    void finish_with(const S& next) {
        if (!pending_) return;
        if (!next.known()) detail::throw_invalid_shape(name_, next.str(), true);
        const pending& p = *pending_;
        tensor_type t = make_data(next, p.ctx, [&](tensor_type& out) {
            if (p.data) {
                kiln::detail::transfer<D, cpu>(out.data(), p.data->data(), p.data->size());
            } else {
                run(p.init, out);
            }
        });
        shape_ = next;
        commit(std::move(t));
    }

    template <class F>
    static tensor_type make_data(const S& s, D ctx, F&& fill) {
        tensor_type t(s, ctx, kiln::detail::uninitialized_t{});
        fill(t);
        return t;
    }

    void commit(tensor_type&& t) {
        data_.emplace(std::move(t));
        pending_.reset();
    }

    template <class Src>
    void set_data_impl(const Src& src) {
        using S2 = typename Src::shape_type;
        static_assert(S2::rank() == R || !(S2::is_static && S::is_static),
                      "kiln: set_data needs a tensor of the parameter's rank");
        // 1. the new shape (Gluon's rule), computed without touching the parameter
        S next = shape_;
        if constexpr (S2::rank() != R) {
            throw shape_error("Expected shape " + src.shape().str() + " is incompatible with given shape " +
                              shape_.str() + ".");
        } else {
            fill_deferred(next, src.shape());
        }
        // 2. the values, converted to T, in host memory (the source may be on any device)
        auto host = src.to_vector();
        std::vector<T> values(host.begin(), host.end());
        if (!data_) {
            if (!pending_) detail::throw_set_data_uninitialized(name_);
            shape_ = next;
            pending_->data = std::move(values);
            return;
        }
        // 3. a new tensor on the parameter's device, then commit
        tensor_type t(next, data_->context(), kiln::detail::uninitialized_t{});
        kiln::detail::transfer<D, cpu>(t.data(), values.data(), values.size());
        shape_ = next;
        data_.emplace(std::move(t));
    }

    S shape_;
    std::optional<tensor_type> data_;
};

// A listing of parameters, printed as Gluon's ParameterDict:
//   conv2_ (
//     Parameter conv2_weight (shape=(1, 0, 3, 3), dtype=<class 'numpy.float32'>)
//     Parameter conv2_bias (shape=(1,), dtype=<class 'numpy.float32'>)
//   )
class parameter_dict {
public:
    parameter_dict(std::string prefix, std::vector<const parameter_base*> params)
        : prefix_(std::move(prefix)), params_(std::move(params)) {}
    std::size_t size() const { return params_.size(); }
    const parameter_base& operator[](std::size_t i) const { return *params_.at(i); }
    const parameter_base& operator[](std::string_view name) const {
        for (auto* p : params_)
            if (p->name() == name) return *p;
        throw std::out_of_range("kiln: no parameter named '" + std::string(name) + "' in " + prefix_);
    }
    std::vector<std::string> names() const {
        std::vector<std::string> n;
        for (auto* p : params_) n.push_back(p->name());
        return n;
    }
    auto begin() const { return params_.begin(); }
    auto end() const { return params_.end(); }
    const std::string& prefix() const { return prefix_; }

    friend std::ostream& operator<<(std::ostream& os, const parameter_dict& d) {
        os << (d.prefix_.empty() ? "" : d.prefix_ + " ") << "(\n";
        for (std::size_t i = 0; i < d.params_.size(); ++i) os << (i ? "\n" : "") << "  " << d.params_[i]->repr();
        return os << "\n)";
    }

private:
    std::string prefix_;
    std::vector<const parameter_base*> params_;
};

}  // namespace kiln

#if KILN_HEADER_ONLY
#include "impl/parameter.ipp"
#endif
