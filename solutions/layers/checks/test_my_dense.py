"""Hidden checks of `MyDense(units, activation=None, **kwargs)`: kernel and bias made in build."""

import keras
import numpy as np
from _layers import attribute_shape, order_by_shape, relu, short_type, symbolic_tensors, weight_shapes

from grader.judge import CheckFailed, as_numpy, assert_close, assert_instance_of, assert_traces_at_most, check
from grader.judge.errors import StudentCodeError

N_IN, UNITS = 5, 3


def dense(x, kernel, bias, activation=None):
    z = np.asarray(x, np.float64) @ kernel + bias
    return {None: z, "relu": relu(z), "tanh": np.tanh(z)}[activation]


def mistakes(x, kernel, bias, activation=None):
    x = np.asarray(x, np.float64)
    z = x @ kernel + bias
    out = {
        "the bias is missing: the output is x @ kernel + bias.": dense(x, kernel, 0 * bias, activation),
        "the activation is applied before adding the bias: activation(x @ kernel + bias).":
            dense(x, kernel, 0 * bias, activation) + bias,
    }
    if activation is not None:
        out["the activation is not applied: call self.activation on x @ kernel + bias."] = z
    else:
        out["an activation is applied although activation=None: the default is linear."] = relu(z)
    return out


def random_weights(inputs, n_in=N_IN, units=UNITS):
    return inputs.normal((n_in, units), scale=0.7), inputs.normal((units,), scale=0.5)


def built_with(layer, x, kernel, bias, call):
    """Call ``layer`` on ``x`` (which builds it), then copy ``kernel`` and ``bias`` into it."""
    layer(x)
    layer.set_weights(order_by_shape(layer, {kernel.shape: kernel, bias.shape: bias}, call))
    return layer


@check("MyDense", kind="api", points=1)
def test_kernel_and_bias_weights(student, inputs):
    """Subclasses keras.layers.Layer with a kernel [n_inputs, units] and a bias [units]"""
    layer = student.MyDense(UNITS)
    assert_instance_of(layer, keras.layers.Layer, call=f"MyDense({UNITS})")
    x = inputs.normal((4, N_IN))
    names, shapes = weight_shapes(layer, x, f"MyDense({UNITS})")
    call = f"MyDense({UNITS}) called on float32[4, {N_IN}]"
    if sorted(shapes) != sorted([[N_IN, UNITS], [UNITS]]):
        raise CheckFailed(f"{call} has trainable weights of shapes {shapes}, expected a kernel {[N_IN, UNITS]} "
                          f"and a bias {[UNITS]}.")
    if sorted(names) == ["bias", "kernel"]:
        return
    if attribute_shape(layer, "kernel") == [N_IN, UNITS] and attribute_shape(layer, "bias") == [UNITS]:
        return
    raise CheckFailed(f"{call} has weights named {names}: name them kernel and bias "
                      "(self.kernel = self.add_weight(name='kernel', shape=..., ...)).")


@check("MyDense", kind="api", points=1)
def test_build_creates_the_weights(student):
    """build(input_shape) creates the weights, and only build does"""
    layer = student.MyDense(4)
    before = layer.weights
    if before:
        raise CheckFailed(f"MyDense(4) has {len(before)} weight(s) before build(): create them in build(), where "
                          "the number of inputs is known.")
    layer.build((None, 7))
    shapes = sorted(list(np.shape(w)) for w in layer.weights)
    if shapes != sorted([[7, 4], [4]]):
        raise CheckFailed(f"after MyDense(4).build((None, 7)) the weights have shapes {shapes}, expected "
                          "[[7, 4], [4]] (kernel [input_shape[-1], units], bias [units]).")


@check("MyDense", kind="value", points=2)
def test_values_with_copied_weights(student, inputs):
    """x @ kernel + bias with the same weights as the reference (no activation)"""
    kernel, bias = random_weights(inputs)
    x = inputs.normal((16, N_IN))
    layer = built_with(student.MyDense(UNITS), x, kernel, bias, f"MyDense({UNITS})")
    assert_close(layer(x), dense(x, kernel, bias), call=f"MyDense({UNITS})(x) on float32[16, {N_IN}]",
                 dtype="float32", mistakes=mistakes(x, kernel, bias))


@check("MyDense", kind="value", points=1)
def test_activation_by_name_and_function(student, inputs):
    """The activation is applied, given as a name or as a function"""
    kernel, bias = random_weights(inputs)
    x = inputs.normal((12, N_IN))
    keras_ = student.module("keras")
    for activation, arg, label in [("relu", "relu", "'relu'"), ("tanh", keras_.activations.tanh, "keras.activations.tanh")]:
        call = f"MyDense({UNITS}, activation={label})"
        layer = built_with(student.MyDense(UNITS, activation=arg), x, kernel, bias, call)
        assert_close(layer(x), dense(x, kernel, bias, activation), call=f"{call}(x)", dtype="float32",
                     mistakes=mistakes(x, kernel, bias, activation))


@check("MyDense", kind="value", points=1)
def test_inputs_of_rank_3_and_4(student, inputs):
    """Inputs of rank 3 and 4: the kernel applies to the last axis"""
    kernel, bias = random_weights(inputs)
    for shape in [(2, 4, N_IN), (2, 3, 2, N_IN)]:
        x = inputs.normal(shape)
        call = f"MyDense({UNITS}, activation='relu')(x) on float32{list(shape)}"
        layer = built_with(student.MyDense(UNITS, activation="relu"), x, kernel, bias, call)
        assert_close(layer(x), dense(x, kernel, bias, "relu"), call=call, dtype="float32",
                     mistakes=mistakes(x, kernel, bias, "relu"))


@check("MyDense", kind="gradient", points=2)
def test_variable_gradients_match_reference(student, reference, inputs):
    """Gradients w.r.t. kernel and bias match the reference with the same weights"""
    kernel, bias = random_weights(inputs)
    x = inputs.normal((10, N_IN))
    call = f"MyDense({UNITS}, activation='tanh')"
    mine = built_with(student.MyDense(UNITS, activation="tanh"), x, kernel, bias, call)
    ref = built_with(reference.MyDense(UNITS, activation="tanh"), x, kernel, bias, call)
    got, expected = mine.variable_gradient(x), ref.variable_gradient(x)
    want = {tuple(s): g for s, g in zip(expected.shapes, expected.gradients, strict=True)}
    for name, shape, grad in zip(got.names, got.shapes, got.gradients, strict=True):
        what = f"the gradient of sum({call}(x)) w.r.t. {name}"
        if grad is None:
            raise CheckFailed(f"{what} is None: the output does not depend on this weight for TensorFlow.")
        if tuple(shape) not in want:
            raise CheckFailed(f"{call} has a trainable weight {name} of shape {list(shape)}, expected only a kernel "
                              f"{[N_IN, UNITS]} and a bias {[UNITS]}.")
        assert_close(grad, want[tuple(shape)], call=what, dtype="float32")


@check("MyDense", kind="gradient", points=1)
def test_input_gradient_matches_reference(student, reference, inputs):
    """Gradient w.r.t. the inputs matches the reference"""
    kernel, bias = random_weights(inputs)
    x = inputs.normal((10, N_IN))
    call = f"MyDense({UNITS}, activation='tanh')"
    mine = built_with(student.MyDense(UNITS, activation="tanh"), x, kernel, bias, call)
    ref = built_with(reference.MyDense(UNITS, activation="tanh"), x, kernel, bias, call)
    got = mine.gradient(x, wrt=(0,)).gradients[0]
    what = f"the gradient of sum({call}(x)) w.r.t. x"
    if got is None:
        raise CheckFailed(f"{what} is None: use TensorFlow or keras.ops operations between input and output.")
    assert_close(got, ref.gradient(x, wrt=(0,)).gradients[0], call=what, dtype="float32")


@check("MyDense", kind="graph", points=1)
def test_functional_model_on_symbolic_input(student, inputs):
    """Works on a symbolic keras.Input in a functional model"""
    keras_ = student.module("keras")
    inp = keras_.Input((N_IN,))
    layer = student.MyDense(UNITS, activation="relu")
    with symbolic_tensors(f"MyDense({UNITS}, activation='relu')(keras.Input(({N_IN},)))"):
        model = keras_.Model(inp, layer(inp))
    kernel, bias = random_weights(inputs)
    layer.set_weights(order_by_shape(layer, {kernel.shape: kernel, bias.shape: bias}, "MyDense in the model"))
    x = inputs.normal((8, N_IN))
    assert_close(model(x), dense(x, kernel, bias, "relu"),
                 call=f"keras.Model(inp, MyDense({UNITS}, activation='relu')(inp))(x)", dtype="float32",
                 mistakes=mistakes(x, kernel, bias, "relu"))


@check("MyDense", kind="graph", points=1)
def test_inside_tf_function(student, inputs):
    """Works inside tf.function, traced once for inputs of one shape"""
    kernel, bias = random_weights(inputs)
    xs = [inputs.normal((6, N_IN)) for _ in range(3)]
    layer = built_with(student.MyDense(UNITS, activation="relu"), xs[0], kernel, bias, f"MyDense({UNITS})")
    with symbolic_tensors("MyDense(...)(x) inside tf.function"):
        trace = layer.trace([(x,) for x in xs])
    for x, out in zip(xs, trace.outputs, strict=True):
        assert_close(out, dense(x, kernel, bias, "relu"), call=f"MyDense({UNITS}, activation='relu')(x) inside tf.function",
                     dtype="float32", mistakes=mistakes(x, kernel, bias, "relu"))
    assert_traces_at_most(trace, 1, call="MyDense(...)(x) inside tf.function")


def check_serialized_activation(config, call):
    if not isinstance(config, dict) or "activation" not in config:
        raise CheckFailed(f"{call}.get_config() has no 'activation' key: add "
                          "keras.activations.serialize(self.activation) to it.")
    activation = config["activation"]
    if not isinstance(activation, (str, dict)):
        raise CheckFailed(f"{call}.get_config()['activation'] is a {short_type(activation)}, not its serialized "
                          "form: store keras.activations.serialize(self.activation).")


def _config(layer, call):
    try:
        return layer.config_roundtrip()
    except StudentCodeError as exc:
        if exc.error_type == "NotImplementedError":
            raise CheckFailed(
                f"{call}.get_config() raised NotImplementedError: Keras writes a config by itself only when every "
                "constructor argument is a plain value, and an activation function is not. Define get_config() "
                "returning the base config plus 'units' and keras.activations.serialize(self.activation).") from None
        raise CheckFailed(f"{call}.get_config() / from_config failed: {exc.error_type}: {exc.error_message[:300]}\n"
                          "Hint: keep `**kwargs` in __init__ and pass them to super().__init__, and return the "
                          "constructor arguments from get_config().") from None


@check("MyDense", kind="serialization", points=1)
def test_config_holds_units_and_serialized_activation(student, inputs):
    """get_config() holds units and the serialized activation"""
    call = "MyDense(4, activation='relu')"
    layer = student.MyDense(4, activation="relu")
    layer(inputs.normal((2, N_IN)))
    config, clone = _config(layer, call)
    if not isinstance(config, dict) or config.get("units") != 4:
        got = config.get("units", "no 'units' key") if isinstance(config, dict) else type(config).__name__
        raise CheckFailed(f"{call}.get_config()['units'] is {got!r}, expected 4.")
    check_serialized_activation(config, call)
    kernel, bias = random_weights(inputs, N_IN, 4)
    x = inputs.normal((6, N_IN))
    clone = built_with(clone, x, kernel, bias, f"MyDense.from_config({call}.get_config())")
    assert_close(clone(x), dense(x, kernel, bias, "relu"), call=f"MyDense.from_config({call}.get_config())(x)",
                 dtype="float32", mistakes=mistakes(x, kernel, bias, "relu"))


@check("MyDense", kind="serialization", points=1)
def test_function_activation_round_trip(student, inputs):
    """An activation given as a function survives get_config() / from_config()"""
    keras_ = student.module("keras")
    call = "MyDense(3, activation=keras.activations.tanh)"
    layer = student.MyDense(UNITS, activation=keras_.activations.tanh)
    layer(inputs.normal((2, N_IN)))
    config, clone = _config(layer, call)
    check_serialized_activation(config, call)
    kernel, bias = random_weights(inputs)
    x = inputs.normal((6, N_IN))
    clone = built_with(clone, x, kernel, bias, f"MyDense.from_config({call}.get_config())")
    assert_close(clone(x), dense(x, kernel, bias, "tanh"), call=f"MyDense.from_config({call}.get_config())(x)",
                 dtype="float32", mistakes=mistakes(x, kernel, bias, "tanh"))


@check("MyDense", kind="serialization", points=2)
def test_saved_model_reloads_with_same_outputs(student, inputs):
    """A model of MyDense layers saved as .keras reloads with the same outputs"""
    keras_ = student.module("keras")
    model = keras_.Sequential([keras_.Input((N_IN,)), student.MyDense(4, activation="relu"), student.MyDense(2)])
    x = inputs.normal((9, N_IN))
    weights = [inputs.normal(np.shape(w), scale=0.6) for w in model.get_weights()]
    model.set_weights([as_numpy(w) for w in weights])
    before = model(x)
    call = "Sequential([Input((5,)), MyDense(4, activation='relu'), MyDense(2)]) saved as .keras and reloaded"
    try:
        reloaded = model.save_reload(custom_objects=["MyDense"])
    except StudentCodeError as exc:
        if exc.not_implemented:
            raise
        raise CheckFailed(f"{call} failed: {exc.error_type}: {exc.error_message[:400]}\nHint: keep `**kwargs` in "
                          "__init__, pass them to super().__init__, and return units and the serialized activation "
                          "from get_config().") from None
    assert_close(reloaded(x), before, call=f"the reloaded model of {call} vs before saving", dtype="float32")
