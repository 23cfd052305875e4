"""One editing widget per parameter kind, validating as the user types.

`make_param_widget(spec, value)` returns a widget with a `value_committed(object)` signal
emitted only for valid values; invalid text turns the field red and sets a tooltip saying why.
"""

from __future__ import annotations

import ast

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget


INT_LIMIT = 2_000_000_000


def parse_int_or_tuple(text: str, allow_none: bool = False):
    """'3' -> 3, '3, 3' or '3x3' or '(3, 3)' -> (3, 3), '(0, 1), (0, 1)' -> ((0, 1), (0, 1))
    (per-axis (before, after) pairs, as ZeroPadding2D and Cropping2D take); raises ValueError
    naming the text."""
    cleaned = text.strip().replace("×", ",").replace("x", ",")
    if allow_none and cleaned.lower() in ("", "none"):
        return None
    try:
        value = ast.literal_eval(cleaned if cleaned.startswith("(") or cleaned.startswith("[") else f"({cleaned},)")
    except (ValueError, SyntaxError):
        raise ValueError(f"expected a whole number or numbers separated by commas, got {text!r}") from None
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not value:
        raise ValueError(f"expected a whole number or numbers separated by commas, got {text!r}")
    def whole(v):
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    for item in value:
        if isinstance(item, (tuple, list)):
            if not item or not all(whole(v) for v in item):
                raise ValueError(f"every pair must hold whole numbers ≥ 0, got {text!r}")
        elif not whole(item):
            raise ValueError(f"every entry must be a whole number ≥ 0, got {text!r}")
    if all(isinstance(item, (tuple, list)) for item in value):
        return tuple(tuple(item) for item in value)
    if any(isinstance(item, (tuple, list)) for item in value):
        raise ValueError(f"write either numbers or (before, after) pairs, not both, got {text!r}")
    return value[0] if len(value) == 1 and not (cleaned.startswith("(") and "," in cleaned) else tuple(value)


def parse_shape(text: str, allow_none: bool = True):
    """'28, 28, 1' -> (28, 28, 1); entries may be None; empty -> None when allowed."""
    cleaned = text.strip()
    if allow_none and cleaned.lower() in ("", "none"):
        return None
    if not (cleaned.startswith("(") or cleaned.startswith("[")):
        cleaned = f"({cleaned},)"
    try:
        value = ast.literal_eval(cleaned)
    except (ValueError, SyntaxError):
        raise ValueError(f"expected a shape like 28, 28, 1, got {text!r}") from None
    if isinstance(value, int):
        value = (value,)
    if not isinstance(value, (tuple, list)):
        raise ValueError(f"expected a shape like 28, 28, 1, got {text!r}")
    for item in value:
        if item is not None and (isinstance(item, bool) or not isinstance(item, int) or item <= 0):
            raise ValueError(f"shape entries must be positive whole numbers or None, got {text!r}")
    return tuple(value)


def format_pair(value) -> str:
    """(0, 1) -> '(0, 1)': one (before, after) pair inside a tuple parameter's text."""
    return "(" + ", ".join(str(v) for v in value) + ")"


def format_tuple(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (tuple, list)):
        return ", ".join("None" if v is None else format_pair(v) if isinstance(v, (tuple, list)) else str(v)
                         for v in value)
    return str(value)


class _TextParam(QLineEdit):
    """A line edit that parses its text with `parser` and reports only valid values."""

    value_committed = Signal(object)

    def __init__(self, text: str, parser, parent=None):
        super().__init__(text, parent)
        self.parser = parser
        self.error = ""
        self.textEdited.connect(self._validate)
        self.editingFinished.connect(self._commit)

    def _validate(self, text: str) -> bool:
        try:
            self.parser(text)
        except ValueError as problem:
            self.error = str(problem)
            self.setProperty("invalid", True)
            self.setToolTip(self.error)
        else:
            self.error = ""
            self.setProperty("invalid", False)
            self.setToolTip("")
        self.style().unpolish(self)
        self.style().polish(self)
        return not self.error

    def _commit(self) -> None:
        if self._validate(self.text()):
            self.value_committed.emit(self.parser(self.text()))


class _Combo(QComboBox):
    value_committed = Signal(object)

    def __init__(self, choices, value, parent=None):
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(6)
        self.choices = list(choices)
        if value not in self.choices:
            self.choices.append(value)
        for choice in self.choices:
            self.addItem("none" if choice is None else str(choice))
        self.setCurrentIndex(self.choices.index(value))
        self.activated.connect(lambda index: self.value_committed.emit(self.choices[index]))


class _Check(QCheckBox):
    value_committed = Signal(object)

    def __init__(self, value, parent=None):
        super().__init__(parent)
        self.setChecked(bool(value))
        self.toggled.connect(lambda on: self.value_committed.emit(bool(on)))


class _IntSpin(QSpinBox):
    value_committed = Signal(object)

    def __init__(self, value, minimum=-INT_LIMIT, parent=None):
        super().__init__(parent)
        self.setRange(minimum, INT_LIMIT)
        self.setValue(int(value) if isinstance(value, int) else 0)
        self.setKeyboardTracking(False)
        self.valueChanged.connect(lambda v: self.value_committed.emit(int(v)))


class _FloatSpin(QDoubleSpinBox):
    value_committed = Signal(object)

    def __init__(self, value, parent=None):
        super().__init__(parent)
        self.setDecimals(6)
        self.setRange(-1e9, 1e9)
        self.setSingleStep(0.01 if abs(float(value or 0)) < 1 else 1.0)
        self.setValue(float(value or 0.0))
        self.setKeyboardTracking(False)
        self.valueChanged.connect(lambda v: self.value_committed.emit(float(v)))


def _literal(text: str):
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        return ast.literal_eval(cleaned)
    except (ValueError, SyntaxError):
        return cleaned  # plain words are strings


POSITIVE_INTS = {"units", "filters", "num_heads", "key_dim", "output_dim", "depth_multiplier", "groups"}


def make_param_widget(spec, value) -> QWidget:
    """The right editor for a catalogue ParamSpec, showing `value`."""
    from app.graph import catalogue as cat

    kind = spec.kind
    if kind in (cat.ENUM, cat.ACTIVATION, cat.INITIALIZER, cat.REGULARIZER, cat.CONSTRAINT, cat.DTYPE) and spec.choices:
        return _Combo(spec.choices, value)
    if kind == cat.BOOL:
        return _Check(value)
    if kind == cat.INT and not spec.optional and (value is None or isinstance(value, int)):
        return _IntSpin(value if value is not None else 0, 1 if spec.name in POSITIVE_INTS else -INT_LIMIT)
    if kind == cat.FLOAT and not spec.optional and (value is None or isinstance(value, (int, float))):
        return _FloatSpin(value)
    if kind == cat.INT_OR_TUPLE:
        return _TextParam(format_tuple(value), lambda t: parse_int_or_tuple(t, spec.optional))
    if kind in (cat.SHAPE, cat.TUPLE):
        return _TextParam(format_tuple(value), lambda t: parse_shape(t, True))
    if kind == cat.STR:
        return _TextParam("" if value is None else str(value), lambda t: t)
    return _TextParam("" if value is None else repr(value) if not isinstance(value, str) else value, _literal)


