"""Generic layer checks (shapes, config, training step, float64 gradients) for the conv layers."""

import numpy as np
import pytest

from engine import keras
from engine.layers import CATEGORIES
from tests.engine.layer_checks import check_layer

L = keras.layers

CASES = [
    (L.Conv1D, dict(filters=3, kernel_size=3, padding="causal", dilation_rate=2, activation="tanh"), (3, 6, 2),
     (3, 6, 3), 2),
    (L.Conv1D, dict(filters=4, kernel_size=2, strides=2, padding="same", groups=2), (3, 5, 2), (3, 3, 4), 2),
    (L.Conv2D, dict(filters=3, kernel_size=(3, 2), strides=(2, 1), padding="same"), (3, 5, 4, 2), (3, 3, 4, 3), 2),
    (L.Conv2D, dict(filters=2, kernel_size=2, dilation_rate=2, use_bias=False, groups=2), (2, 5, 5, 2),
     (2, 3, 3, 2), 1),
    (L.Conv3D, dict(filters=2, kernel_size=2, padding="same"), (2, 3, 3, 2, 2), (2, 3, 3, 2, 2), 2),
    (L.Conv1DTranspose, dict(filters=2, kernel_size=3, strides=2, padding="same"), (2, 3, 2), (2, 6, 2), 2),
    (L.Conv2DTranspose, dict(filters=2, kernel_size=3, strides=2, output_padding=1), (2, 2, 3, 2), (2, 6, 8, 2), 2),
    (L.Conv2DTranspose, dict(filters=2, kernel_size=2, dilation_rate=2, padding="same"), (2, 3, 3, 1),
     (2, 3, 3, 2), 2),
    (L.Conv3DTranspose, dict(filters=2, kernel_size=2, strides=(1, 2, 1)), (2, 2, 2, 2, 1), (2, 3, 4, 3, 2), 2),
    (L.DepthwiseConv2D, dict(kernel_size=3, depth_multiplier=2, padding="same", strides=2), (2, 4, 5, 2),
     (2, 2, 3, 4), 2),
    (L.SeparableConv2D, dict(filters=3, kernel_size=2, depth_multiplier=2), (2, 4, 4, 2), (2, 3, 3, 3), 3),
    (L.DepthwiseConv1D, dict(kernel_size=2, depth_multiplier=2, dilation_rate=2), (2, 5, 2), (2, 3, 4), 2),
    (L.SeparableConv1D, dict(filters=2, kernel_size=3, padding="same", strides=2), (2, 5, 2), (2, 3, 2), 3),
]


@pytest.mark.parametrize("layer_cls,kwargs,input_shape,output_shape,num_weights", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_conv_layer(layer_cls, kwargs, input_shape, output_shape, num_weights):
    check_layer(layer_cls, kwargs, input_shape, expected_output_shape=output_shape,
                expected_num_weights=num_weights)


def test_channels_first_matches_channels_last():
    x = np.random.default_rng(0).normal(size=(2, 5, 6, 3)).astype("float32")
    last = L.Conv2D(4, 3, padding="same", strides=2)
    first = L.Conv2D(4, 3, padding="same", strides=2, data_format="channels_first")
    y_last = last(x)
    first.build((None, 3, 5, 6))
    first.set_weights(last.get_weights())
    y_first = first(np.transpose(x, (0, 3, 1, 2))).numpy()
    np.testing.assert_allclose(np.transpose(y_first, (0, 2, 3, 1)), y_last.numpy(), rtol=1e-5, atol=1e-6)
    assert first.compute_output_shape((None, 3, 5, 6)) == (None, 4, 3, 3)


def test_weight_shapes_and_names_follow_keras():
    conv = L.Conv2D(8, (3, 2), groups=2)
    conv.build((None, 9, 9, 4))
    assert [(w.name, w.shape) for w in conv.weights] == [("kernel", (3, 2, 2, 8)), ("bias", (8,))]
    transpose = L.Conv2DTranspose(5, 3)
    transpose.build((None, 4, 4, 2))
    assert transpose.kernel.shape == (3, 3, 5, 2)
    depthwise = L.DepthwiseConv2D(3, depth_multiplier=2)
    depthwise.build((None, 5, 5, 3))
    assert [(w.name, w.shape) for w in depthwise.weights] == [("kernel", (3, 3, 3, 2)), ("bias", (6,))]
    separable = L.SeparableConv2D(4, 3)
    separable.build((None, 5, 5, 3))
    assert [w.name for w in separable.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    assert conv.name == "conv2d" and transpose.name == "conv2d_transpose"


def test_config_keys_and_defaults_follow_keras():
    config = L.Conv2D(4, 3).get_config()
    assert config["kernel_size"] == (3, 3) and config["strides"] == (1, 1) and config["padding"] == "valid"
    assert config["data_format"] == "channels_last" and config["groups"] == 1
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert L.Conv2DTranspose(2, 3).get_config()["output_padding"] is None
    assert L.SeparableConv2D(2, 3).get_config()["depth_multiplier"] == 1


@pytest.mark.parametrize("make,message", [
    (lambda: L.Conv2D(4, (0, 3)), r"Conv2D: kernel_size must be positive. Received: kernel_size=\(0, 3\)"),
    (lambda: L.Conv1D(0, 3), "Conv1D: filters must be a positive integer. Received: filters=0"),
    (lambda: L.Conv2D(4, 3, padding="causal"), "Conv2D: padding must be one of 'valid', 'same'"),
    (lambda: L.Conv2D(5, 3, groups=2), "filters must be divisible by groups"),
    (lambda: L.Conv2D(4, 3, strides=2, dilation_rate=2), "strides > 1 cannot be combined"),
    (lambda: L.Conv2D(4, (3, 3, 3)), "kernel_size must be an int or a tuple of 2 ints"),
    (lambda: L.Conv2DTranspose(4, 3, strides=2, output_padding=2), "output_padding value must be less"),
    (lambda: L.DepthwiseConv2D(3, depth_multiplier=-1), "depth_multiplier must be a positive integer"),
    (lambda: L.Conv2D(4, 3, data_format="nhwc"), "data_format must be"),
])
def test_bad_arguments_fail_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_wrong_input_rank_and_channels_fail_at_call():
    layer = L.Conv2D(2, 3, name="edges")
    with pytest.raises(ValueError, match=r'"edges".*ndim=4.*\(2, 5, 3\)'):
        layer(np.zeros((2, 5, 3), "float32"))
    layer(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r'"edges".*last dimension 3'):
        layer(np.zeros((1, 5, 5, 4), "float32"))
    with pytest.raises(ValueError, match=r"groups=2"):
        L.Conv2D(2, 3, groups=2)(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="does not fit"):
        L.Conv2D(2, 5)(np.zeros((1, 3, 3, 1), "float32"))


def test_functional_model_with_unknown_batch():
    inputs = keras.Input(shape=(8, 8, 1))
    x = L.Conv2D(4, 3, activation="relu")(inputs)
    x = L.Conv2DTranspose(2, 3, strides=2, padding="same")(x)
    model = keras.Model(inputs, x)
    assert tuple(x.shape) == (None, 12, 12, 2)
    assert model.predict(np.zeros((3, 8, 8, 1), "float32"), verbose=0).shape == (3, 12, 12, 2)


def test_categories():
    for name in ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
                 "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D"]:
        assert CATEGORIES[name] == "Convolution"


def test_unknown_spatial_sizes_in_functional_models():
    inputs = keras.Input(shape=(None, None, 3))
    x = L.Conv2D(4, 5)(inputs)  # kernel larger than any placeholder size
    assert tuple(x.shape) == (None, None, None, 4)
    x = L.Conv2DTranspose(2, 3, strides=2, padding="same")(x)
    assert tuple(x.shape) == (None, None, None, 2)
    model = keras.Model(inputs, x)
    assert model.predict(np.zeros((2, 9, 7, 3), "float32"), verbose=0).shape == (2, 10, 6, 2)
    sequence = keras.Input(shape=(None, 2))
    assert tuple(L.Conv1D(3, 9, padding="causal")(sequence).shape) == (None, None, 3)
    with pytest.raises(ValueError, match="ndim=4"):
        L.Conv2D(2, 3)(keras.Input(shape=(None, 3)))


def test_small_cnn_learns():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 8, 8, 1)).astype("float32")
    # the label says whether the bright spot is in the upper or lower half
    y = (rng.random(32) < 0.5).astype("int64")
    x[np.arange(32), np.where(y == 1, 6, 1), 4, 0] += 4.0
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        L.Conv2D(4, 3, padding="same", activation="relu"),
        L.MaxPooling2D(),
        L.Conv2D(4, 3, activation="relu"),
        L.GlobalAveragePooling2D(),
        L.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0], losses


def test_cnn_step_on_cuda_backend_matches_cpu():
    # conv/pool kernels reach the CUDA backend by name (host fallback until CUDA versions exist)
    def cnn():
        return keras.Sequential([
            keras.Input((6, 6, 2)), L.Conv2D(3, 3, padding="same", activation="tanh"), L.MaxPooling2D(),
            L.Conv2DTranspose(2, 2, strides=2), L.AveragePooling2D(2, padding="same"), L.DepthwiseConv2D(2),
            L.UpSampling2D(interpolation="bilinear"), L.GlobalAveragePooling2D(), L.Dense(3),
        ])

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 6, 6, 2)).astype("float32")
    y = rng.integers(0, 3, size=4)
    cpu = cnn()
    with keras.device("cuda"):
        gpu = cnn()
        gpu.set_weights(cpu.get_weights())
    for model in (cpu, gpu):
        model.compile(optimizer=keras.optimizers.SGD(0.1),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    cpu_loss = cpu.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0).history["loss"]
    gpu_loss = gpu.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(gpu_loss, cpu_loss, rtol=1e-5)
    for a, b in zip(gpu.get_weights(), cpu.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
