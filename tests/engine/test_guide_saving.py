"""The guide's last step: the subclassed ResNet-style model is saved with `model.save`.

Needs `engine.saving` (branch `saving`); this test passes once that branch is merged.
"""

import numpy as np

from engine import keras
from tests.engine.test_guide import RESNET, run


def test_subclassed_resnet_saves_and_reloads(tmp_path):
    ns = run({"tf": __import__("engine").tf, "keras": keras, "__name__": "guide"}, RESNET)
    resnet = ns["ResNet"]()
    x = np.random.default_rng(0).normal(size=(8, 8)).astype("float32")
    y = np.arange(8) % 3
    resnet.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    resnet.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "resnet.keras"
    resnet.save(str(path))
    assert path.exists() and path.stat().st_size > 0
    weights_path = tmp_path / "resnet.weights.h5"
    resnet.save_weights(str(weights_path))
    clone = ns["ResNet"]()
    clone(x[:1])
    clone.load_weights(str(weights_path))
    np.testing.assert_allclose(clone.predict(x, verbose=0), resnet.predict(x, verbose=0), rtol=1e-6)
