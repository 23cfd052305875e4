"""The shipped examples with Custom Layer code or several inputs, exported for Keras in the
subclass style, run where Strata cannot be imported: the guide's `tf.*` names resolve on
keras.ops (KERAS_TF_SHIM) and a model's inputs are looked up by the names the data file uses."""

import pathlib

import numpy as np
import pytest

from app.cli import main
from app.graph.export import KERAS_TF_SHIM, export_python
from tests.app.graph.standalone import imported_modules, run_without_strata

pytestmark = pytest.mark.oracle
EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "resources" / "examples"


@pytest.mark.parametrize("example", ["02_compute_sum", "05_logistic_endpoint"])
def test_subclass_export_of_the_example_trains_without_strata(example, tmp_path, capsys):
    code = tmp_path / "model.py"
    assert main(["export", str(EXAMPLES / f"{example}.strata"), "--target", "keras", "--style", "subclass",
                 "--with-weights", "-o", str(code)]) == 0, capsys.readouterr().err
    assert imported_modules(code.read_text(encoding="utf-8")) <= {"os", "numpy", "keras"}
    run = run_without_strata([str(code)], tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Epoch" in run.stdout


def test_the_guide_tf_names_work_on_real_keras():
    import keras

    names = {"keras": keras}
    exec(KERAS_TF_SHIM, names)      # the text every keras export starts with
    tf = names["tf"]

    class Linear(keras.layers.Layer):     # the guide's first layer, verbatim in its use of tf.*
        def __init__(self, units=4, input_dim=3):
            super().__init__()
            w_init = tf.random_normal_initializer()
            self.w = tf.Variable(initial_value=w_init(shape=(input_dim, units), dtype="float32"), trainable=True)
            b_init = tf.zeros_initializer()
            self.b = tf.Variable(initial_value=b_init(shape=(units,), dtype="float32"), trainable=True)

        def call(self, inputs):
            return tf.nn.relu(tf.matmul(inputs, self.w) + self.b)

    layer = Linear()
    x = np.ones((2, 3), "float32")
    y = keras.ops.convert_to_numpy(layer(x))
    assert len(layer.trainable_weights) == 2
    w = keras.ops.convert_to_numpy(layer.w)
    np.testing.assert_allclose(y, np.maximum(x @ w, 0), rtol=1e-6)
    assert float(keras.ops.convert_to_numpy(tf.reduce_sum(tf.ones((2, 3))))) == 6.0
    assert tf.square is keras.ops.square          # everything else is keras.ops'


def test_subclass_export_passes_the_training_mode_to_its_layers(tmp_path):
    """Keras' fit and predict pass `training` only to a call that declares it: without it the
    exported model trained with Dropout and BatchNormalization in inference mode and applied
    its augmentation layers at predict time."""
    import keras

    from app.graph.importer import import_keras

    inputs = keras.Input((6, 6, 2))
    x = keras.layers.RandomFlip(name="flip")(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.Dropout(0.5, name="drop")(keras.layers.Flatten()(x))
    source_model = keras.Model(inputs, keras.layers.Dense(2, name="head")(x))
    source_model.save(tmp_path / "m.keras")
    namespace = {"__name__": "exported"}
    exec(export_python(import_keras(tmp_path / "m.keras"), "keras", "subclass"), namespace)
    model = namespace["build_model"]()
    model.set_weights(source_model.get_weights())
    images = np.random.default_rng(0).normal(2.0, 1.0, (4, 6, 6, 2)).astype("float32")
    np.testing.assert_allclose(model.predict(images, verbose=0), source_model.predict(images, verbose=0),
                               rtol=1e-5, atol=1e-6)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(images, np.zeros((4, 2), "float32"), epochs=1, batch_size=4, verbose=0)
    moving_mean = keras.ops.convert_to_numpy(model.get_layer("bn").moving_mean)
    assert np.all(moving_mean > 0.01)      # fit ran BatchNormalization in training mode
