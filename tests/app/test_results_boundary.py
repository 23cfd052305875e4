"""The Results tab shows a decision boundary only for labelled 2-feature points; for image or
table data it says why in one line and brings the confusion matrix (or worst samples) forward."""

import numpy as np
import pytest

from app.data.dataset import Dataset
from app.plots.insight import boundary_applies, boundary_unavailable_reason
from app.plots.insight_views import InsightPanel


@pytest.fixture
def panel(qtbot):
    view = InsightPanel()
    qtbot.addWidget(view)
    view.resize(900, 300)
    view.show()
    qtbot.waitExposed(view)
    return view


def images(n=20):
    rng = np.random.default_rng(0)
    return Dataset("digits", rng.random((n, 8, 8, 1)).astype("float32"), np.arange(n) % 10, "image")


def points(n=30):
    rng = np.random.default_rng(1)
    return Dataset("spiral", rng.random((n, 2)).astype("float32"), np.arange(n) % 3, "points2d")


def table(n=30, features=5, task="classification"):
    rng = np.random.default_rng(2)
    y = np.arange(n) % 2 if task == "classification" else rng.random(n)
    return Dataset("iris-like", rng.random((n, features)).astype("float32"), y, "table", task=task)


def test_image_data_has_no_boundary_tab_and_says_why(panel):
    panel.set_dataset(images())
    assert not panel.isTabVisible(panel.indexOf(panel.boundary))
    assert panel.currentWidget() is panel.confusion
    assert panel.note.isVisible()
    assert panel.note.text() == ("No decision boundary: it is drawn for inputs with 2 features; "
                                 "digits has 8 × 8 × 1 per sample.")
    assert panel.note.geometry().right() <= panel.width()  # on the tab bar's line, inside the panel


def test_no_data_set_shows_no_empty_boundary_plot(panel):
    panel.set_dataset(None)
    assert not panel.isTabVisible(0) and panel.currentWidget() is not panel.boundary
    assert "choose a data set" in panel.note.text()


def test_regression_table_brings_the_worst_samples_forward(panel):
    panel.set_dataset(table(task="regression"))
    assert not panel.isTabVisible(0) and panel.currentWidget() is panel.worst
    assert "iris-like has 5 per sample" in panel.note.text()


def test_two_feature_points_show_the_boundary_again(panel):
    panel.set_dataset(images())
    panel.set_dataset(points())
    assert panel.isTabVisible(0) and panel.currentWidget() is panel.boundary
    assert not panel.note.isVisible()
    assert len(panel.boundary.points.data) == 30


@pytest.mark.parametrize("dataset, applies", [(points(), True), (images(), False), (table(features=2), False),
                                              (table(), False), (None, False)])
def test_boundary_applies_only_to_labelled_two_feature_points(dataset, applies):
    assert boundary_applies(dataset) is applies
    assert (boundary_unavailable_reason(dataset) is None) is applies


def test_multi_input_data_names_its_inputs(panel):
    data = Dataset("pair", {"a": np.zeros((4, 2), "float32"), "b": np.zeros((4, 3), "float32")}, np.zeros(4, int))
    panel.set_dataset(data)
    assert "pair has 2 inputs" in panel.note.text() and not panel.isTabVisible(0)
