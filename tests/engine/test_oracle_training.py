"""Losses, metrics, optimizers and a training step checked against real Keras 3 (torch backend).

Same inputs (and for optimizers: same initial weights and same gradients) must give the
same numbers as Keras over several steps.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras as real  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from engine import keras as ours  # noqa: E402

assert real.backend.backend() == "torch"

rng = np.random.default_rng(42)
RTOL, ATOL = 2e-5, 1e-6


def to_np(value):
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


# ---- losses -----------------------------------------------------------------------------

def _regression_data():
    return rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype("float32") * 2


def _binary_probs():
    return rng.integers(0, 2, size=(4, 3)).astype("float32"), rng.uniform(0.05, 0.95, size=(4, 3)).astype("float32")


def _binary_logits():
    return rng.integers(0, 2, size=(4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype("float32") * 3


def _categorical_probs():
    y = np.eye(5, dtype="float32")[rng.integers(0, 5, size=4)]
    p = rng.dirichlet(np.ones(5), size=4).astype("float32")
    return y, p


def _categorical_logits():
    y = np.eye(5, dtype="float32")[rng.integers(0, 5, size=4)]
    return y, rng.normal(size=(4, 5)).astype("float32") * 2


def _sparse_probs():
    return rng.integers(0, 5, size=(4,)), rng.dirichlet(np.ones(5), size=4).astype("float32")


def _sparse_logits():
    return rng.integers(0, 5, size=(4, 1)), rng.normal(size=(4, 5)).astype("float32") * 2


def _distributions():
    return rng.dirichlet(np.ones(4), size=4).astype("float32"), rng.dirichlet(np.ones(4), size=4).astype("float32")


def _positive():
    return rng.uniform(0, 3, size=(4, 3)).astype("float32"), rng.uniform(0.1, 3, size=(4, 3)).astype("float32")


def _signed_labels():
    return rng.choice([-1.0, 1.0], size=(4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype("float32")


LOSS_CASES = [
    ("MeanSquaredError", {}, _regression_data),
    ("MeanAbsoluteError", {}, _regression_data),
    ("Huber", {}, _regression_data),
    ("Huber", {"delta": 0.5}, _regression_data),
    ("BinaryCrossentropy", {}, _binary_probs),
    ("BinaryCrossentropy", {"from_logits": True}, _binary_logits),
    ("BinaryCrossentropy", {"label_smoothing": 0.1}, _binary_probs),
    ("CategoricalCrossentropy", {}, _categorical_probs),
    ("CategoricalCrossentropy", {"from_logits": True}, _categorical_logits),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, _categorical_logits),
    ("SparseCategoricalCrossentropy", {}, _sparse_probs),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, _sparse_logits),
    ("KLDivergence", {}, _distributions),
    ("Poisson", {}, _positive),
    ("LogCosh", {}, _regression_data),
    ("Hinge", {}, _binary_logits),
    ("Hinge", {}, _signed_labels),
    ("SquaredHinge", {}, _binary_logits),
    ("CategoricalHinge", {}, _categorical_logits),
    ("CosineSimilarity", {}, _regression_data),
    ("MeanSquaredLogarithmicError", {}, _positive),
    ("MeanAbsolutePercentageError", {}, _regression_data),
]


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name,kwargs,data", LOSS_CASES, ids=lambda v: str(v) if not callable(v) else "")
def test_loss_matches_keras(name, kwargs, data, reduction, weighted):
    y_true, y_pred = data()
    weight = rng.uniform(0.1, 2.0, size=(len(y_pred),)).astype("float32") if weighted else None
    mine = getattr(ours.losses, name)(reduction=reduction, **kwargs)(y_true, y_pred, sample_weight=weight)
    theirs = getattr(real.losses, name)(reduction=reduction, **kwargs)(y_true, y_pred, sample_weight=weight)
    np.testing.assert_allclose(mine.numpy(), to_np(theirs), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name,kwargs,data", LOSS_CASES[:1] + LOSS_CASES[4:6] + LOSS_CASES[7:9] + LOSS_CASES[10:12]
                         + LOSS_CASES[12:],
                         ids=lambda v: str(v) if not callable(v) else "")
def test_loss_gradient_matches_keras(name, kwargs, data):
    import torch

    y_true, y_pred = data()
    pred_var = ours.Variable(y_pred)
    with __import__("engine").tf.GradientTape() as tape:
        loss = getattr(ours.losses, name)(**kwargs)(y_true, pred_var)
    mine = tape.gradient(loss, pred_var).numpy()
    torch_pred = torch.tensor(y_pred, requires_grad=True)
    getattr(real.losses, name)(**kwargs)(torch.tensor(y_true), torch_pred).backward()
    np.testing.assert_allclose(mine, torch_pred.grad.numpy(), rtol=1e-4, atol=1e-6)


# ---- metrics ----------------------------------------------------------------------------

METRIC_CASES = [
    ("Mean", {}, "values"),
    ("Accuracy", {}, "labels"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.3}, "binary"),
    ("CategoricalAccuracy", {}, "categorical"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("MeanAbsoluteError", {}, "regression"),
    ("MeanSquaredError", {}, "regression"),
    ("Precision", {}, "binary"),
    ("Precision", {"thresholds": [0.2, 0.5, 0.8]}, "binary"),
    ("Precision", {"class_id": 1}, "binary"),
    ("Precision", {"top_k": 2}, "binary"),
    ("Recall", {}, "binary"),
    ("Recall", {"thresholds": 0.7}, "binary"),
    ("Recall", {"thresholds": [0.1, 0.6]}, "binary"),
    ("AUC", {}, "binary"),
    ("AUC", {"num_thresholds": 7, "summation_method": "minoring"}, "binary"),
    ("AUC", {"curve": "PR"}, "binary"),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, "binary"),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, "binary"),
    ("AUC", {"from_logits": True}, "regression_labels"),
]


def _metric_batch(kind):
    if kind == "values":
        return (rng.normal(size=(4,)).astype("float32"),)
    if kind == "labels":
        return rng.integers(0, 3, size=(4, 1)), rng.integers(0, 3, size=(4, 1))
    if kind == "binary":
        return rng.integers(0, 2, size=(4, 3)).astype("float32"), rng.uniform(size=(4, 3)).astype("float32")
    if kind == "categorical":
        return np.eye(4, dtype="float32")[rng.integers(0, 4, size=4)], rng.uniform(size=(4, 4)).astype("float32")
    if kind == "sparse":
        return rng.integers(0, 4, size=(4, 1)), rng.uniform(size=(4, 4)).astype("float32")
    if kind == "regression_labels":
        return rng.integers(0, 2, size=(4, 2)).astype("float32"), rng.normal(size=(4, 2)).astype("float32") * 2
    return rng.normal(size=(4, 2)).astype("float32"), rng.normal(size=(4, 2)).astype("float32")


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name,kwargs,kind", METRIC_CASES, ids=str)
def test_metric_matches_keras_over_batches(name, kwargs, kind, weighted):
    mine = getattr(ours.metrics, name)(**kwargs)
    theirs = getattr(real.metrics, name)(**kwargs)
    for _ in range(3):
        batch = _metric_batch(kind)
        weight = rng.uniform(0.1, 2.0, size=(4,)).astype("float32") if weighted else None
        mine.update_state(*batch, sample_weight=weight)
        theirs.update_state(*batch, sample_weight=weight)
        np.testing.assert_allclose(mine.result().numpy(), to_np(theirs.result()), rtol=RTOL, atol=ATOL)
    mine.reset_state()
    theirs.reset_state()
    np.testing.assert_allclose(mine.result().numpy(), to_np(theirs.result()), atol=ATOL)


# ---- optimizers --------------------------------------------------------------------------

OPTIMIZER_CASES = [
    ("SGD", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.8, "nesterov": True}),
    ("Adam", {"learning_rate": 0.01}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("AdamW", {"learning_rate": 0.01}),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1}),
    ("RMSprop", {}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"learning_rate": 0.1}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.01}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Lion", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.01, "clipnorm": 0.5}),
    ("SGD", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("SGD", {"learning_rate": 0.1, "clipvalue": 0.3}),
    ("Adam", {"learning_rate": 0.01, "global_clipnorm": 0.7}),
    ("SGD", {"learning_rate": 0.1, "weight_decay": 0.05}),
]

SCHEDULES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5}),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5, "staircase": True}),
    ("PiecewiseConstantDecay", {"boundaries": [1, 3], "values": [0.1, 0.05, 0.01]}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 5, "alpha": 0.1}),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 4, "warmup_target": 0.1, "warmup_steps": 2}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": 0.5}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 5}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "power": 2.0, "cycle": True,
                         "end_learning_rate": 0.01}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 2}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 2, "t_mul": 1.0, "m_mul": 0.5,
                             "alpha": 0.1}),
]


def assert_optimizer_pair_matches(mine, theirs, steps=6):
    import torch

    init = [rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=(2,)).astype("float32")]
    my_vars = [ours.Variable(v.copy(), name=f"v{i}") for i, v in enumerate(init)]
    their_vars = [real.Variable(v.copy(), name=f"v{i}") for i, v in enumerate(init)]
    for _ in range(steps):
        grads = [rng.normal(size=v.shape).astype("float32") for v in init]
        mine.apply_gradients(zip(grads, my_vars))
        theirs.apply_gradients(zip([torch.tensor(g) for g in grads], their_vars))
        for a, b in zip(my_vars, their_vars):
            np.testing.assert_allclose(a.numpy(), to_np(b.value), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kwargs", OPTIMIZER_CASES, ids=str)
def test_optimizer_matches_keras_step_by_step(name, kwargs):
    assert_optimizer_pair_matches(getattr(ours.optimizers, name)(**kwargs), getattr(real.optimizers, name)(**kwargs))


@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=str)
def test_learning_rate_schedule_matches_keras(name, kwargs):
    mine = getattr(ours.optimizers.schedules, name)(**kwargs)
    theirs = getattr(real.optimizers.schedules, name)(**kwargs)
    for step in range(8):
        np.testing.assert_allclose(float(mine(step)), float(to_np(theirs(step))), rtol=1e-5, atol=1e-7)
    assert_optimizer_pair_matches(ours.optimizers.SGD(learning_rate=mine, momentum=0.5),
                        real.optimizers.SGD(learning_rate=theirs, momentum=0.5))


# ---- a whole fit ------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer,loss,metric", [
    ("sgd", "mse", "mae"),
    ("adam", "binary_crossentropy", "accuracy"),
    ("rmsprop", "sparse_categorical_crossentropy", "accuracy"),
])
def test_fit_matches_keras(optimizer, loss, metric):
    x = rng.normal(size=(12, 4)).astype("float32")
    if loss == "mse":
        y, units, act = rng.normal(size=(12, 2)).astype("float32"), 2, None
    elif loss == "binary_crossentropy":
        y, units, act = rng.integers(0, 2, size=(12, 1)).astype("float32"), 1, "sigmoid"
    else:
        y, units, act = rng.integers(0, 3, size=(12,)), 3, "softmax"

    def build(k):
        model = k.Sequential([k.Input((4,)), k.layers.Dense(5, activation="tanh"),
                              k.layers.Dense(units, activation=act)])
        return model

    mine, theirs = build(ours), build(real)
    theirs.set_weights(mine.get_weights())
    mine.compile(optimizer=optimizer, loss=loss, metrics=[metric])
    theirs.compile(optimizer=optimizer, loss=loss, metrics=[metric])
    h1 = mine.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    h2 = theirs.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    for a, b in zip(mine.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert set(h1.history) == set(h2.history)
    for key in h2.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-4, atol=1e-5)
    e1 = mine.evaluate(x, y, verbose=0, return_dict=True)
    e2 = theirs.evaluate(x, y, verbose=0, return_dict=True)
    assert set(e1) == set(e2)
    for key in e2:
        np.testing.assert_allclose(e1[key], e2[key], rtol=1e-4, atol=1e-5)


def test_metrics_ignore_sample_weight_and_weighted_metrics_use_it():
    x = rng.normal(size=(6, 2)).astype("float32")
    y = rng.normal(size=(6, 1)).astype("float32")
    w = np.array([1, 0, 0, 2, 0, 1], "float32")

    def build(k):
        return k.Sequential([k.Input((2,)), k.layers.Dense(1)])

    mine, theirs = build(ours), build(real)
    theirs.set_weights(mine.get_weights())
    for model in (mine, theirs):
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"], weighted_metrics=["mae", "mse"])
    e1 = mine.evaluate(x, y, sample_weight=w, batch_size=4, verbose=0, return_dict=True)
    e2 = theirs.evaluate(x, y, sample_weight=w, batch_size=4, verbose=0, return_dict=True)
    assert set(e1) == set(e2) == {"loss", "mae", "weighted_mae", "mse"}
    for key in e2:
        np.testing.assert_allclose(e1[key], e2[key], rtol=1e-5)


def test_fit_with_regularizers_matches_keras():
    x = rng.normal(size=(8, 3)).astype("float32")
    y = rng.normal(size=(8, 2)).astype("float32")

    def build(k):
        return k.Sequential([
            k.Input((3,)),
            k.layers.Dense(4, activation="relu", kernel_regularizer=k.regularizers.l2(0.01),
                           bias_regularizer=k.regularizers.l1(0.02), activity_regularizer=k.regularizers.l2(0.03)),
            k.layers.Dense(2, kernel_regularizer=k.regularizers.L1L2(0.01, 0.02)),
        ])

    mine, theirs = build(ours), build(real)
    theirs.set_weights(mine.get_weights())
    for model in (mine, theirs):
        model.compile(optimizer=model_optimizer(model), loss="mse")
    h1 = mine.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    h2 = theirs.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-4)
    for a, b in zip(mine.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(mine.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), rtol=1e-4)


def model_optimizer(model):
    module = ours if isinstance(model, ours.Model) else real
    return module.optimizers.SGD(0.1, momentum=0.5)


@pytest.mark.parametrize("extra", ["sample_weight", "class_weight", "validation_split"])
def test_fit_arguments_match_keras(extra):
    x = rng.normal(size=(10, 3)).astype("float32")
    y = rng.integers(0, 3, size=(10,))

    def build(k):
        return k.Sequential([k.Input((3,)), k.layers.Dense(3, activation="softmax")])

    mine, theirs = build(ours), build(real)
    theirs.set_weights(mine.get_weights())
    kwargs = {"sample_weight": {"sample_weight": rng.uniform(0, 2, size=10).astype("float32")},
              "class_weight": {"class_weight": {0: 1.0, 1: 3.0, 2: 0.5}},
              "validation_split": {"validation_split": 0.3}}[extra]
    for model in (mine, theirs):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h1 = mine.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, **kwargs)
    h2 = theirs.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, **kwargs)
    assert set(h1.history) == set(h2.history)
    for key in h2.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-4, atol=1e-6, err_msg=key)


def test_multi_output_fit_matches_keras():
    x = rng.normal(size=(8, 3)).astype("float32")
    y_reg = rng.normal(size=(8, 1)).astype("float32")
    y_cls = rng.integers(0, 3, size=(8,))

    def build(k):
        inputs = k.Input((3,), name="x")
        hidden = k.layers.Dense(4, activation="tanh", name="hidden")(inputs)
        return k.Model(inputs, [k.layers.Dense(1, name="reg")(hidden),
                                k.layers.Dense(3, activation="softmax", name="cls")(hidden)])

    mine, theirs = build(ours), build(real)
    theirs.set_weights(mine.get_weights())
    for model in (mine, theirs):
        model.compile(optimizer="adam", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                      loss_weights={"reg": 0.3, "cls": 1.7}, metrics={"cls": ["accuracy"], "reg": ["mae"]})
    h1 = mine.fit(x, {"reg": y_reg, "cls": y_cls}, batch_size=4, epochs=2, shuffle=False, verbose=0)
    h2 = theirs.fit(x, {"reg": y_reg, "cls": y_cls}, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert set(h1.history) == set(h2.history)
    for key in h2.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-4, atol=1e-6, err_msg=key)
