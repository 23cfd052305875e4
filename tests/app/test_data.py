"""Data sets, importers and model checks (Qt-free)."""

import numpy as np
import pytest

from app.data import DataError, Dataset, csv_preview, fit_arrays, load_arrays, load_csv, load_dataset
from app.data.registry import BUILTIN
from engine import keras


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_sets_are_finite_and_labelled(name):
    ds = load_dataset({"dataset": name, "params": {}})
    x = ds.x
    assert np.all(np.isfinite(x))
    assert len(ds) == x.shape[0] == ds.y.shape[0]
    if ds.task == "classification":
        assert set(np.unique(ds.y)) == set(range(ds.num_classes))


def test_params_change_the_data_and_seed_repeats():
    a = load_dataset({"dataset": "spiral", "params": {"samples": 90, "classes": 3, "seed": 1}})
    b = load_dataset({"dataset": "spiral", "params": {"samples": 90, "classes": 3, "seed": 1}})
    c = load_dataset({"dataset": "spiral", "params": {"samples": 90, "classes": 3, "seed": 2}})
    assert a.x.shape == (90, 2) and np.array_equal(a.x, b.x) and not np.array_equal(a.x, c.x)
    blobs = load_dataset({"dataset": "blobs", "params": {"samples": 50, "classes": 5}})
    assert blobs.num_classes == 5 and np.bincount(blobs.y).tolist() == [10] * 5


def test_digits_are_learnable_by_nearest_neighbour():
    ds = load_dataset({"dataset": "digits", "params": {"flatten": True}})
    assert ds.x.shape == (1797, 64) and 0 <= ds.x.min() and ds.x.max() <= 1
    train, val = ds.split(0.3, seed=0)
    dist = ((val.x[:, None, :] - train.x[None]) ** 2).sum(-1)
    pred = train.y[np.argmin(dist, 1)]
    assert (pred == val.y).mean() > 0.85


def test_spec_errors_name_the_problem():
    with pytest.raises(DataError, match="unknown data set 'spirals'"):
        load_dataset({"dataset": "spirals"})
    with pytest.raises(DataError, match=r"no parameter\(s\) \['nosie'\]"):
        load_dataset({"dataset": "moons", "params": {"nosie": 0.1}})
    with pytest.raises(DataError, match="samples must be an integer >= 2; received -3"):
        load_dataset({"dataset": "xor", "params": {"samples": -3}})


def test_split_is_disjoint_and_complete():
    ds = load_dataset({"dataset": "moons", "params": {"samples": 100}})
    train, val = ds.split(0.2, seed=3)
    assert len(train) == 80 and len(val) == 20
    rows = {tuple(r) for r in np.concatenate([train.x, val.x])}
    assert rows == {tuple(r) for r in ds.x}


def _write(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_preview_and_columns(tmp_path):
    path = _write(tmp_path, "a,b,c,label\n1,2,3,cat\n4,5,6,dog\n7,8,9,cat\n")
    preview = csv_preview(path, rows=2)
    assert preview["columns"] == ["a", "b", "c", "label"] and preview["row_count"] == 3
    assert preview["rows"] == [["1", "2", "3", "cat"], ["4", "5", "6", "dog"]]
    ds = load_csv(path, features=["a", "c"], label="label")
    assert ds.x.tolist() == [[1, 3], [4, 6], [7, 9]] and ds.y.tolist() == [0, 1, 0]
    assert ds.class_names == ["cat", "dog"] and ds.kind == "points2d"


@pytest.mark.parametrize("text, message", [
    ("a,b,y\n1,2,0\n3,4\n", r"row 3 has 2 cells, expected 3"),
    ("a,b,y\n1,2,0\n3,x4,1\n", r"row 3, column 'b': 'x4' is not a number"),
    ("a,b,y\n1,nan,0\n", r"row 2, column 'b': 'nan' is not finite"),
    ("a,b,y\n1,2,0\n1,2,-1\n", r"row 3, label column 'y': class '-1' is negative"),
])
def test_bad_csv_names_file_row_and_column(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(DataError, match=message) as info:
        load_csv(path, label="y")
    assert str(path) in str(info.value)


def test_npz_loads_without_pickles_and_maps_inputs(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, inputs=np.ones((4, 3)), targets=np.zeros((4, 10)), y=np.arange(4))
    ds = load_arrays(path, x_key=["inputs", "targets"])
    assert set(ds.x) == {"inputs", "targets"} and ds.y.tolist() == [0, 1, 2, 3]
    obj = tmp_path / "o.npy"
    np.save(obj, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="pickles"):
        load_arrays(obj)
    nan = tmp_path / "n.npy"
    np.save(nan, np.array([[1.0, np.nan]]))
    with pytest.raises(DataError, match=r"NaN or infinity at index \(0, 1\)"):
        load_arrays(nan)


def _dense_model(inputs=2, units=3):
    model = keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(units)])
    return model


def test_fit_arrays_checks_shape_labels_and_nan():
    ds = load_dataset({"dataset": "spiral", "params": {"samples": 30, "classes": 3}})
    x, y = fit_arrays(ds, _dense_model(2, 3))
    assert x.shape == (30, 2) and y.shape == (30,)
    with pytest.raises(DataError, match=r"does not fit input .*expects shape \(None, 4\).*\(30, 2\)"):
        fit_arrays(ds, _dense_model(4, 3))
    with pytest.raises(DataError, match=r"label 2 at row \d+ is out of range .* 2 classes"):
        fit_arrays(ds, _dense_model(2, 2))
    bad = Dataset("bad", ds.x.copy(), ds.y)
    bad.x[5, 1] = np.nan
    with pytest.raises(DataError, match="row 5, column 1"):
        fit_arrays(bad, _dense_model(2, 3))


def test_fit_arrays_maps_several_inputs_by_name():
    a = keras.Input((2,), name="inputs")
    t = keras.Input((3,), name="targets")
    out = keras.layers.Dense(3)(a)
    model = keras.Model(inputs=[a, t], outputs=out)
    ds = load_dataset({"dataset": "blobs", "params": {"samples": 12, "classes": 3}})
    x, y = fit_arrays(ds, model)
    assert y is None and x["inputs"].shape == (12, 2)
    assert np.array_equal(x["targets"].argmax(1), ds.y)
    as_dict = Dataset("d", {"inputs": ds.x, "targets": np.zeros((12, 3), "float32")}, None)
    x2, _ = fit_arrays(as_dict, model)
    assert set(x2) == {"inputs", "targets"}
    missing = Dataset("d", {"inputs": ds.x}, None)
    with pytest.raises(DataError, match=r"no array for input\(s\) \['targets'\]"):
        fit_arrays(missing, model)


def test_generated_sets_hold_every_class_in_their_last_fifth():
    import numpy as np

    from app.data import load_dataset

    for name in ("spiral", "moons", "circles", "xor", "blobs", "shapes"):
        data = load_dataset({"dataset": name, "params": {}})
        tail = data.y[-len(data.y) // 5:]
        assert set(np.unique(tail)) == set(np.unique(data.y)), name
