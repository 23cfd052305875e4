"""check_layer and behaviour tests for the core layers."""

import numpy as np
import pytest

from engine import keras
from engine.autodiff import GradientTape, Tensor
from engine.layers.core.lambda_layer import Lambda
from tests.engine.layer_checks import check_layer

L = keras.layers


def test_dense_fused_path():
    layer = check_layer(L.Dense, {"units": 3, "activation": "tanh"}, (4, 5), expected_output_shape=(4, 3),
                        expected_num_weights=2)
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    k, b = layer.get_weights()
    np.testing.assert_allclose(layer(x).numpy(), np.tanh(x @ k + b), rtol=1e-5, atol=1e-6)


def test_dense_custom_activation_and_3d_input():
    check_layer(L.Dense, {"units": 2, "activation": "softplus"}, (3, 2, 4), expected_output_shape=(3, 2, 2),
                )
    check_layer(L.Dense, {"units": 2, "activation": "relu", "use_bias": False}, (3, 2, 4),
                expected_num_weights=1)


def test_activation():
    check_layer(L.Activation, {"activation": "sigmoid"}, (3, 4), expected_output_shape=(3, 4))
    with pytest.raises(ValueError, match="Unknown activation"):
        L.Activation("nope")


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_flatten(fmt):
    x = np.arange(2 * 3 * 4 * 2, dtype="float32").reshape(2, 3, 4, 2)
    check_layer(L.Flatten, {"data_format": fmt}, x.shape, input_data=x, expected_output_shape=(2, 24),
                )
    out = L.Flatten(data_format=fmt)(x).numpy()
    expected = x.transpose(0, 2, 3, 1).reshape(2, -1) if fmt == "channels_first" else x.reshape(2, -1)
    np.testing.assert_array_equal(out, expected)
    assert L.Flatten()(np.ones((3,), "float32")).shape == (3, 1)
    assert L.Flatten().compute_output_shape((None, None, 4)) == (None, None)


def test_reshape_with_inferred_axis_and_errors():
    check_layer(L.Reshape, {"target_shape": (-1, 2)}, (3, 4, 3), expected_output_shape=(3, 6, 2))
    check_layer(L.Reshape, {"target_shape": (12,)}, (3, 4, 3), expected_output_shape=(3, 12))
    with pytest.raises(ValueError, match=r'"reshape.*\(5,\)'):
        L.Reshape((5,))(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match="at most one -1"):
        L.Reshape((-1, -1))
    with pytest.raises(ValueError, match="cannot reshape"):
        L.Reshape((-1, 3))(np.ones((2, 4), "float32"))


def test_permute():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype("float32")
    check_layer(L.Permute, {"dims": (3, 1, 2)}, x.shape, input_data=x, expected_output_shape=(2, 5, 3, 4),
                )
    np.testing.assert_array_equal(L.Permute((3, 1, 2))(x).numpy(), x.transpose(0, 3, 1, 2))
    with pytest.raises(ValueError, match="permutation"):
        L.Permute((0, 1))
    with pytest.raises(ValueError, match="rank 3"):
        L.Permute((2, 1))(x)


def test_repeat_vector():
    check_layer(L.RepeatVector, {"n": 3}, (2, 4), expected_output_shape=(2, 3, 4))
    with pytest.raises(ValueError, match="positive integer"):
        L.RepeatVector(0)


def test_identity():
    check_layer(L.Identity, {}, (2, 3), expected_output_shape=(2, 3))


def test_masking_zeroes_and_masks_timesteps():
    x = np.random.default_rng(1).normal(size=(2, 4, 3)).astype("float32")
    x[0, 1] = 0.0
    x[1, 3] = 0.0
    # masked steps sit on a discontinuity, so gradients are checked on unmasked data
    check_layer(L.Masking, {"mask_value": 0.0}, x.shape, input_data=x, expected_output_shape=x.shape,
                check_grads=False)
    check_layer(L.Masking, {"mask_value": 0.0}, x.shape)
    layer = L.Masking(mask_value=0.0)
    out = layer(x)
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False, True, True], [True, True, True, False]])
    x[0, 2] = 5.0
    out = L.Masking(mask_value=5.0)(x)
    np.testing.assert_array_equal(out.numpy()[0, 2], 0.0)
    assert not out._keras_mask.numpy()[0, 2]


def test_embedding():
    idx = np.array([[0, 1, 4], [3, 3, 2]])
    layer = check_layer(L.Embedding, {"input_dim": 5, "output_dim": 3}, idx.shape, input_data=idx,
                        expected_output_shape=(2, 3, 3), expected_num_weights=1)
    np.testing.assert_array_equal(layer(idx).numpy(), layer.get_weights()[0][idx])
    masked = L.Embedding(5, 2, mask_zero=True)(idx)
    np.testing.assert_array_equal(masked._keras_mask.numpy(), idx != 0)
    with pytest.raises(ValueError, match=r"\[0, 5\)"):
        layer(np.array([[5]]))
    with pytest.raises(ValueError, match="output_dim"):
        L.Embedding(5, 0)
    emb = L.Embedding(5, 2)
    ids = Tensor(np.array([1, 1, 4]))
    with GradientTape() as tape:
        out = emb(ids)
    grad = tape.gradient(out, emb.embeddings).numpy()
    np.testing.assert_array_equal(grad, [[0, 0], [2, 2], [0, 0], [0, 0], [1, 1]])


def test_embedding_initial_weights():
    table = np.arange(6, dtype="float32").reshape(3, 2)
    layer = L.Embedding(3, 2, weights=[table])
    np.testing.assert_array_equal(layer(np.array([2])).numpy(), [[4, 5]])


def double(x):
    return x * 2


def test_lambda_named_function_and_arguments():
    check_layer(L.Lambda, {"function": double}, (2, 3), expected_output_shape=(2, 3))
    layer = L.Lambda(lambda x, k: x * k, arguments={"k": 3.0})
    np.testing.assert_allclose(layer(np.ones((1, 2), "float32")).numpy(), 3.0)
    config = L.Lambda(double).get_config()
    assert config["function"] == {"module": __name__, "class_name": "function", "config": "double",
                                  "registered_name": "double"}
    assert Lambda.from_config(config).function is double


def test_lambda_refuses_stored_lambda_in_safe_mode():
    offset = 1.5
    layer = L.Lambda(lambda x: x + offset, output_shape=(3,))
    config = layer.get_config()
    assert config["function"]["class_name"] == "__lambda__"
    assert config["function"]["config"]["closure"] == (1.5,)
    with pytest.raises(ValueError, match="safe_mode"):
        Lambda.from_config(config)
    loaded = Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(loaded(np.zeros((2, 3), "float32")).numpy(), 1.5)
    assert loaded.compute_output_shape((None, 3)) == (None, 3)


def test_lambda_unknown_function_error():
    with pytest.raises(ValueError, match="custom_objects"):
        Lambda.from_config({"function": {"module": "nowhere", "class_name": "function", "config": "f"}})
    with pytest.raises(ValueError, match="callable"):
        L.Lambda(3)


def test_lambda_model_file_refused_in_safe_mode_and_loaded_when_trusted(tmp_path):
    scale = 3.0
    inputs = keras.Input((2,))
    model = keras.Model(inputs, L.Lambda(lambda t: t * scale)(L.Dense(2)(inputs)))
    x = np.ones((1, 2), "float32")
    path = str(tmp_path / "lambda.keras")
    model.save(path)
    with pytest.raises(Exception, match="safe_mode=False"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
