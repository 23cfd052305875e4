"""Our own save/load: archive layout, functional configs, custom layers, weights files."""

import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

from engine import keras, tf
from engine.saving.serialization import UnknownObjectError, deserialize_keras_object, serialize_keras_object
from engine.saving.weights_store import WeightsMismatchError

RNG = np.random.default_rng(1)
X4 = RNG.normal(size=(3, 4)).astype("float32")
X3 = RNG.normal(size=(3, 3)).astype("float32")


def assert_close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-6)


def _h5_paths(path):
    with zipfile.ZipFile(path) as archive:
        data = archive.read("model.weights.h5")
    found = {}
    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(lambda name, item: found.__setitem__(name, item.shape) if isinstance(item, h5py.Dataset) else None)
    return found


# -- the guide's custom layers ------------------------------------------------------------------------
class Linear(keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b


class MLPBlock(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(32)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = tf.nn.relu(self.linear_1(inputs))
        x = tf.nn.relu(self.linear_2(x))
        return self.linear_3(x)


class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_fn = keras.metrics.BinaryAccuracy()

    def call(self, targets, logits, sample_weights=None):
        self.add_loss(self.loss_fn(targets, logits, sample_weights))
        self.add_metric(self.accuracy_fn(targets, logits, sample_weights), name="accuracy")
        return tf.nn.softmax(logits)


def test_guide_mlp_block_round_trips_with_custom_objects(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, MLPBlock()(inputs))
    before = model.predict(X4, verbose=0)
    path = str(tmp_path / "mlp.keras")
    model.save(path)
    paths = _h5_paths(path)
    assert paths["layers/mlp_block/linear_1/vars/0"] == (4, 32)
    assert paths["layers/mlp_block/linear_3/vars/1"] == (1,)

    with pytest.raises(UnknownObjectError, match="MLPBlock"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"MLPBlock": MLPBlock, "Linear": Linear})
    assert_close(loaded.predict(X4, verbose=0), before)
    assert len(loaded.weights) == 6


def test_registered_custom_layer_loads_without_custom_objects(tmp_path):
    @keras.saving.register_keras_serializable(package="GuideTest")
    class Scaled(keras.layers.Layer):
        def __init__(self, units=3, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.units, self.factor = units, factor

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")

        def call(self, inputs):
            return tf.matmul(inputs, self.w) * self.factor

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units, "factor": self.factor})
            return config

    inputs = keras.Input((4,))
    model = keras.Model(inputs, Scaled(units=2, factor=3.0, name="scaled")(inputs))
    path = str(tmp_path / "reg.keras")
    model.save(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    entry = config["config"]["layers"][1]
    assert entry["registered_name"] == "GuideTest>Scaled"
    assert entry["config"]["factor"] == 3.0
    loaded = keras.models.load_model(path)
    assert loaded.get_layer("scaled").factor == 3.0
    assert_close(loaded.predict(X4, verbose=0), model.predict(X4, verbose=0))


def test_logistic_endpoint_two_tensor_call_round_trips(tmp_path):
    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(10,), name="targets")
    logits = keras.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(logits, targets)
    model = keras.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer="adam")
    data = {"inputs": RNG.random((3, 3)).astype("float32"), "targets": RNG.random((3, 10)).astype("float32")}
    model.fit(data, verbose=0)
    path = str(tmp_path / "endpoint.keras")
    model.save(path)

    config = json.loads(zipfile.ZipFile(path).read("config.json"))["config"]
    endpoint = [layer for layer in config["layers"] if layer["name"] == "predictions"][0]
    args = endpoint["inbound_nodes"][0]["args"]
    assert [a["config"]["keras_history"] for a in args] == [["dense", 0, 0], ["targets", 0, 0]]
    assert args[0]["class_name"] == "__keras_tensor__"

    loaded = keras.models.load_model(path, custom_objects={"LogisticEndpoint": LogisticEndpoint})
    assert_close(loaded.predict(data, verbose=0), model.predict(data, verbose=0))
    assert loaded.compiled
    loaded.fit(data, verbose=0)  # the loaded model trains with the layer's add_loss


# -- functional graphs -----------------------------------------------------------------------------
def test_shared_layer_and_nested_models_round_trip(tmp_path):
    L = keras.layers
    inner_in = keras.Input((5,))
    inner = keras.Model(inner_in, L.Dense(5, activation="relu")(inner_in), name="inner")
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    shared = L.Dense(5, name="shared")
    ha = inner(shared(L.Dense(5, name="pa")(a)))
    hb = inner(shared(L.Dense(5, name="pb")(b)))
    model = keras.Model([a, b], [L.Dense(1, name="oa")(ha), L.Dense(2, name="ob")(hb)])
    path = str(tmp_path / "shared.keras")
    model.save(path)

    config = json.loads(zipfile.ZipFile(path).read("config.json"))["config"]
    by_name = {layer["name"]: layer for layer in config["layers"]}
    assert len(by_name["shared"]["inbound_nodes"]) == 2
    assert len(by_name["inner"]["inbound_nodes"]) == 2
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["oa", 0, 0], ["ob", 0, 0]]

    loaded = keras.models.load_model(path)
    for mine, theirs in zip(loaded.predict([X4, X3], verbose=0), model.predict([X4, X3], verbose=0)):
        assert_close(mine, theirs)
    assert len(loaded.weights) == len(model.weights)


def test_dict_inputs_round_trip(tmp_path):
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    out = keras.layers.Dense(2)(keras.layers.Dense(3)(a))
    model = keras.Model({"a": a, "b": b}, [out, keras.layers.Dense(1)(b)])
    path = str(tmp_path / "dict.keras")
    model.save(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))["config"]
    assert config["input_layers"] == {"a": ["a", 0, 0], "b": ["b", 0, 0]}
    loaded = keras.models.load_model(path)
    data = {"a": X4, "b": X3}
    for mine, theirs in zip(loaded.predict(data, verbose=0), model.predict(data, verbose=0)):
        assert_close(mine, theirs)


def test_serialize_deserialize_layer_objects():
    dense = keras.layers.Dense(3, activation="relu", name="d")
    config = serialize_keras_object(dense)
    assert config["module"] == "keras.layers" and config["class_name"] == "Dense"
    assert config["registered_name"] is None
    clone = deserialize_keras_object(config)
    assert isinstance(clone, keras.layers.Dense) and clone.units == 3 and clone.name == "d"
    assert serialize_keras_object(keras.optimizers.Adam(0.5))["config"]["learning_rate"] == 0.5
    assert deserialize_keras_object(serialize_keras_object(keras.optimizers.SGD(0.25))).learning_rate == 0.25
    assert deserialize_keras_object({"module": "keras.activations", "class_name": "function", "config": "relu",
                                     "registered_name": "relu"}) is keras.activations.relu


def test_model_to_json_and_clone_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    as_json = json.loads(model.to_json())
    assert as_json["class_name"] == "Sequential"
    clone = keras.models.clone_model(model)
    assert clone.predict(X4, verbose=0).shape == (3, 3)


# -- the archive ------------------------------------------------------------------------------------------
def test_archive_layout_and_metadata(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(X4, np.zeros((3, 2), "float32"), verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        metadata = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
    assert set(metadata) == {"keras_version", "date_saved"} and metadata["keras_version"].startswith("3.")
    assert config["class_name"] == "Sequential" and config["module"] == "keras"
    assert config["compile_config"]["loss"] == "mse"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    paths = _h5_paths(path)
    assert paths["layers/dense/vars/0"] == (4, 3)
    assert paths["layers/dense_1/vars/1"] == (2,)
    # iterations, learning rate, then (momentum, velocity) for each of the 4 trainable variables
    assert paths["optimizer/vars/0"] == ()
    assert paths["optimizer/vars/2"] == (4, 3) and "optimizer/vars/9" in paths
    loaded = keras.models.load_model(path, compile=False)
    assert not loaded.compiled
    assert_close(loaded.predict(X4, verbose=0), model.predict(X4, verbose=0))


def test_overwrite_false_refuses_and_save_is_atomic(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    path = tmp_path / "m.keras"
    model.save(str(path))
    original = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(str(path), overwrite=False)
    assert path.read_bytes() == original

    class Unsavable(keras.layers.Layer):
        def __init__(self, thing):
            super().__init__()
            self.thing = thing

        def call(self, x):
            return x

    inputs = keras.Input((4,))
    bad = keras.Model(inputs, Unsavable(object())(inputs))
    with pytest.raises(Exception, match="Unsavable"):
        bad.save(str(path))
    assert path.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == ["m.keras"]
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(str(tmp_path / "m.h5"))


# -- weights files --------------------------------------------------------------------------------------
def _mlp(hidden=5):
    inputs = keras.Input((4,))
    x = keras.layers.Dense(hidden, name="hidden")(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, name="head")(x))


def test_save_and_load_weights(tmp_path):
    model = _mlp()
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    other = _mlp()
    other.load_weights(path)
    assert_close(other.predict(X4, verbose=0), model.predict(X4, verbose=0))
    with h5py.File(path, "r") as f:
        assert f["layers/dense/vars/0"].shape == (4, 5)
        assert f["layers/dense/vars"].attrs["name"] == "hidden"
    with pytest.raises(ValueError, match="weights.h5"):
        model.save_weights(str(tmp_path / "m.h5"))


def test_load_weights_from_keras_file(tmp_path):
    model = _mlp()
    path = str(tmp_path / "m.keras")
    model.save(path)
    other = _mlp()
    other.load_weights(path)
    assert_close(other.predict(X4, verbose=0), model.predict(X4, verbose=0))


def test_shape_mismatch_names_layer_and_variable_and_changes_nothing(tmp_path):
    path = str(tmp_path / "m.weights.h5")
    _mlp(hidden=5).save_weights(path)
    other = _mlp(hidden=6)
    before = other.get_weights()
    with pytest.raises(WeightsMismatchError, match=r'"hidden".*"kernel".*\(4, 6\).*\(4, 5\)'):
        other.load_weights(path)
    for now, then in zip(other.get_weights(), before):
        assert_close(now, then)
    with pytest.warns(UserWarning, match="skip_mismatch"):
        other.load_weights(path, skip_mismatch=True)
    for now, then in zip(other.get_weights(), before):  # every layer mismatched: each skipped whole
        assert_close(now, then)


def test_layer_count_mismatch_is_a_clear_error(tmp_path):
    path = str(tmp_path / "m.weights.h5")
    _mlp().save_weights(path)
    inputs = keras.Input((4,))
    smaller = keras.Model(inputs, keras.layers.Dense(2, name="only")(inputs))
    with pytest.raises(WeightsMismatchError, match="does not have"):
        smaller.load_weights(path)
    bigger_in = keras.Input((4,))
    x = keras.layers.Dense(5)(bigger_in)
    x = keras.layers.Dense(2)(x)
    bigger = keras.Model(bigger_in, keras.layers.Dense(2, name="extra")(x))
    with pytest.raises(WeightsMismatchError, match='"extra"'):
        bigger.load_weights(path)


def test_skip_mismatch_loads_the_matching_layers(tmp_path):
    path = str(tmp_path / "m.weights.h5")
    source = _mlp(hidden=5)
    source.save_weights(path)
    inputs = keras.Input((4,))
    x = keras.layers.Dense(5, name="hidden")(inputs)
    target = keras.Model(inputs, keras.layers.Dense(3, name="head")(x))
    with pytest.warns(UserWarning):
        target.load_weights(path, skip_mismatch=True)
    assert_close(target.get_layer("hidden").kernel.numpy(), source.get_layer("hidden").kernel.numpy())


# -- subclassed models (the guide's ResNet pattern) -----------------------------------------------------
class DenseBlock(keras.layers.Layer):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.first = keras.layers.Dense(units, activation="relu")
        self.second = keras.layers.Dense(units)

    def call(self, x):
        return self.second(self.first(x))

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


class TinyResNet(keras.Model):
    def __init__(self):
        super().__init__()
        self.block_1 = DenseBlock(4)
        self.block_2 = DenseBlock(4)
        self.classifier = keras.layers.Dense(2)

    def call(self, inputs):
        return self.classifier(self.block_2(self.block_1(inputs)))


def test_subclassed_model_round_trips_with_optimizer_state(tmp_path):
    model = TinyResNet()
    model.compile(optimizer="adam", loss="mse")
    model.fit(X4, np.ones((3, 2), "float32"), epochs=3, verbose=0)
    path = str(tmp_path / "resnet.keras")
    model.save(path)
    paths = _h5_paths(path)
    assert paths["block_1/first/vars/0"] == (4, 4)
    assert paths["classifier/vars/1"] == (2,)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    assert config["class_name"] == "TinyResNet" and config["build_config"]["input_shape"] == [3, 4]

    loaded = keras.models.load_model(path, custom_objects={"TinyResNet": TinyResNet, "DenseBlock": DenseBlock})
    assert_close(loaded.predict(X4, verbose=0), model.predict(X4, verbose=0))
    assert int(loaded.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy())
    from engine.saving.weights_store import _optimizer_values

    for mine, theirs in zip(_optimizer_values(loaded.optimizer, loaded), _optimizer_values(model.optimizer, model)):
        assert_close(mine, theirs)
    weights_path = str(tmp_path / "resnet.weights.h5")
    model.save_weights(weights_path)
    fresh = TinyResNet()
    fresh(X4)
    fresh.load_weights(weights_path)
    assert_close(fresh.predict(X4, verbose=0), model.predict(X4, verbose=0))


def test_layer_shared_between_two_nested_models_stays_one_layer(tmp_path):
    shared = keras.layers.Dense(3, name="shared_dense")
    i1 = keras.Input((3,))
    first = keras.Model(i1, shared(i1), name="first")
    i2 = keras.Input((3,))
    second = keras.Model(i2, keras.layers.Dense(3, name="after")(shared(i2)), name="second")
    x = keras.Input((3,), name="x")
    model = keras.Model(x, second(first(x)))
    path = str(tmp_path / "shared_nested.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert_close(loaded.predict(X3, verbose=0), model.predict(X3, verbose=0))
    assert loaded.get_layer("first").get_layer("shared_dense") is loaded.get_layer("second").get_layer("shared_dense")
    assert len(loaded.weights) == 4


def test_loading_into_an_unbuilt_subclassed_model_says_to_build_it(tmp_path):
    model = TinyResNet()
    model(X4)
    path = str(tmp_path / "r.weights.h5")
    model.save_weights(path)
    with pytest.raises(WeightsMismatchError, match="not built yet"):
        TinyResNet().load_weights(path)


def test_saved_files_get_normal_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        path = tmp_path / "perm.keras"
        keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(str(path))
        assert path.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(mask)


def test_unsavable_config_value_names_the_layer(tmp_path):
    class HoldsObject(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)

        def call(self, x):
            return x

        def get_config(self):
            config = super().get_config()
            config["thing"] = object()
            return config

    inputs = keras.Input((4,))
    model = keras.Model(inputs, HoldsObject(name="holder")(inputs))
    with pytest.raises(TypeError, match='"holder" \\(HoldsObject\\)'):
        model.save(str(tmp_path / "x.keras"))
    assert not (tmp_path / "x.keras").exists()


def test_symbolic_arithmetic_slicing_and_ops_round_trip(tmp_path):
    a = keras.Input((4,), name="a")
    b = keras.Input((4,), name="b")
    h = keras.layers.Dense(4, name="h")(a)
    x = (h + b) * 2.0 - 1.0
    x = 3.0 / (keras.ops.abs(x) + 1.0)
    x = keras.ops.concatenate([x, keras.ops.relu(h)], axis=-1)
    first_cols = x[:, :3]
    picked = x[(slice(None), 5)]
    model = keras.Model([a, b], [first_cols, picked])
    data = [X4, X4[::-1].copy()]
    path = str(tmp_path / "ops.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    for mine, theirs in zip(loaded.predict(data, verbose=0), model.predict(data, verbose=0)):
        assert mine.shape == theirs.shape
        assert_close(mine, theirs)


def test_a_file_naming_a_non_engine_op_is_refused(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.ops.relu(keras.layers.Dense(2)(inputs)))
    path = tmp_path / "op.keras"
    model.save(str(path))
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "FunctionLayer":
            layer["config"]["function"] = "__import__"
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="not an engine op"):
        keras.models.load_model(str(path))


@pytest.mark.parametrize("suffix", [".weights.h5", ".keras"])
def test_one_bad_array_names_file_and_loads_no_layer(tmp_path, suffix):
    """A file whose only fault is one array of the wrong shape (the head's bias): the error names
    the layer, variable, both shapes and the file, and even the layers that fit keep their values."""
    import h5py

    saved = _mlp()
    path = str(tmp_path / "m.weights.h5")
    saved.save_weights(path)
    with h5py.File(path, "r+") as h5:
        del h5["layers/dense_1/vars/1"]
        h5["layers/dense_1/vars/1"] = np.zeros((3,), "float32")
    if suffix == ".keras":
        saved.save(str(tmp_path / "m.keras"))
        import zipfile

        with zipfile.ZipFile(tmp_path / "m.keras") as archive:
            members = {n: archive.read(n) for n in archive.namelist()}
        with open(path, "rb") as handle:
            members["model.weights.h5"] = handle.read()
        path = str(tmp_path / "m.keras")
        with zipfile.ZipFile(path, "w") as archive:
            for name, blob in members.items():
                archive.writestr(name, blob)
    other = _mlp()
    before = other.get_weights()
    with pytest.raises(WeightsMismatchError) as caught:
        other.load_weights(path)
    text = str(caught.value)
    assert '"head"' in text and '"bias"' in text and "(2,)" in text and "(3,)" in text and path in text
    assert '"hidden"' not in text
    for now, then in zip(other.get_weights(), before):
        np.testing.assert_array_equal(now, then)
    if suffix == ".keras":
        with pytest.raises(WeightsMismatchError, match='"head".*"bias"'):
            keras.models.load_model(path)


def test_load_weights_refuses_other_formats_by_name(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, a=np.zeros(2))
    with pytest.raises(ValueError, match=r"\.weights\.h5.*m\.npz"):
        _mlp().load_weights(str(path))
