"""The Lambda node: an expression over `x` built from whitelisted engine ops, never eval'd.

`"ops.tanh(x) * 2"` is parsed with `ast` and checked against a small grammar: the name `x`,
number constants, + - * / // % ** and unary minus, calls `ops.<name>(...)` of the ops in
`ALLOWED_OPS` with such arguments (keyword arguments and tuples/lists of numbers allowed,
e.g. `ops.mean(x, axis=-1, keepdims=True)`), and slices `x[:, 0]`. Anything else (other
names, attributes, lambdas, comprehensions, strings...) is refused with the column. The
checked tree is interpreted node by node; Python's `eval` is never called, so an
expression read from any file is safe to run.

`ExpressionLambda` is the engine layer: a `Lambda` whose config stores the expression (not
bytecode), registered as "Strata>ExpressionLambda" so `model.save` / `load_model` work.
"""

from __future__ import annotations

import ast
import operator

from engine import keras
from engine.layers.core.lambda_layer import Lambda
from engine.saving.registry import register

_CANDIDATE_OPS = (
    "abs", "absolute", "argmax", "argmin", "ceil", "clip", "concatenate", "cos", "cumsum", "elu", "erf", "exp",
    "expand_dims", "expm1", "flip", "floor", "gelu", "leaky_relu", "log", "log1p", "log_softmax", "matmul", "max",
    "maximum", "mean", "min", "minimum", "negative", "power", "relu", "relu6", "repeat", "reshape", "round",
    "sigmoid", "sign", "silu", "sin", "softmax", "softplus", "softsign", "sqrt", "square", "squeeze", "stack",
    "std", "sum", "swish", "tanh", "tile", "transpose", "var", "where",
)


def allowed_ops() -> tuple:
    """The engine ops an expression may call (the candidates `keras.ops` of the engine has)."""
    ops = keras.ops

    return tuple(name for name in _CANDIDATE_OPS if callable(getattr(ops, name, None)))


ALLOWED_OPS = None   # filled on first use (importing engine.ops is deferred)

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class ExpressionError(ValueError):
    """An expression outside the allowed grammar; the message says what and where."""


def _ops():
    global ALLOWED_OPS
    if ALLOWED_OPS is None:
        ALLOWED_OPS = allowed_ops()
    return ALLOWED_OPS


def _fail(node, what):
    col = getattr(node, "col_offset", None)
    where = f" (column {col + 1})" if col is not None else ""
    raise ExpressionError(f"{what}{where}. Allowed: x, numbers, + - * / // % **, ops.<name>(...) with "
                          f"name one of {', '.join(_ops())}, and slices like x[:, 0]")


def _check(node, constant_only=False):
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or node.value is None or isinstance(node.value, (int, float)):
            return
        _fail(node, f"constant {node.value!r} is not a number")
    if isinstance(node, (ast.Tuple, ast.List)):
        for item in node.elts:
            _check(item, constant_only=True)
        return
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _check(node.operand, constant_only)
    if constant_only:
        _fail(node, "only numbers are allowed here")
    if isinstance(node, ast.Name):
        if node.id != "x":
            _fail(node, f"unknown name {node.id!r}; the input is called x")
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            _fail(node, f"operator {type(node.op).__name__} is not allowed")
        _check(node.left)
        _check(node.right)
        return
    if isinstance(node, ast.Call):
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "ops"):
            _fail(node, "only ops.<name>(...) can be called")
        if func.attr not in _ops():
            _fail(node, f"ops.{func.attr} is not allowed")
        for arg in node.args:
            _check(arg)
        for keyword in node.keywords:
            if keyword.arg is None:
                _fail(node, "**kwargs are not allowed")
            _check(keyword.value, constant_only=True)
        return
    if isinstance(node, ast.Subscript):
        _check(node.value)
        index = node.slice
        items = index.elts if isinstance(index, ast.Tuple) else [index]
        for item in items:
            if isinstance(item, ast.Slice):
                for part in (item.lower, item.upper, item.step):
                    if part is not None:
                        _check(part, constant_only=True)
            elif not (isinstance(item, ast.Constant) and (item.value is Ellipsis or isinstance(item.value, int))):
                _check(item, constant_only=True)
        return
    _fail(node, f"{type(node).__name__} is not allowed")


def parse_expression(text) -> ast.Expression:
    """The checked syntax tree of an expression; ExpressionError if it is not allowed."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the expression is empty; write e.g. ops.tanh(x) * 2")
    if len(text) > 2000:
        raise ExpressionError(f"the expression is too long ({len(text)} characters; at most 2000)")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg} (column {exc.offset})") from None
    _check(tree.body)
    return tree


def _constant(node):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_constant(node.operand))
    if isinstance(node, ast.Tuple):
        return tuple(_constant(e) for e in node.elts)
    if isinstance(node, ast.List):
        return [_constant(e) for e in node.elts]
    raise ExpressionError(f"{type(node).__name__} is not a constant")


def _index(node):
    if isinstance(node, ast.Slice):
        return slice(*(None if p is None else _constant(p) for p in (node.lower, node.upper, node.step)))
    if isinstance(node, ast.Tuple):
        return tuple(_index(e) for e in node.elts)
    return _constant(node)


def _run(node, x):
    ops = keras.ops
    if isinstance(node, ast.Name):
        return x
    if isinstance(node, (ast.Constant, ast.Tuple, ast.List)):
        return _constant(node)
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_run(node.operand, x))
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_run(node.left, x), _run(node.right, x))
    if isinstance(node, ast.Call):
        args = [_run(a, x) for a in node.args]
        kwargs = {k.arg: _constant(k.value) for k in node.keywords}
        return getattr(ops, node.func.attr)(*args, **kwargs)
    if isinstance(node, ast.Subscript):
        return _run(node.value, x)[_index(node.slice)]
    raise ExpressionError(f"{type(node).__name__} is not allowed")


def expression_function(text):
    """A function x -> the expression's value (interpreted, never eval'd)."""
    tree = parse_expression(text)

    def function(x):
        return _run(tree.body, x)

    function.__name__ = "strata_expression"
    return function


def export_source(text: str, ops_module: str = "keras.ops") -> str:
    """The expression as Python for exported code: `lambda x: keras.ops.tanh(x) * 2`."""
    tree = parse_expression(text)

    class Rename(ast.NodeTransformer):
        def visit_Attribute(self, node):
            self.generic_visit(node)
            if isinstance(node.value, ast.Name) and node.value.id == "ops":
                node.value = ast.parse(ops_module, mode="eval").body
            return node

    return "lambda x: " + ast.unparse(Rename().visit(tree).body)


class ExpressionLambda(Lambda):
    """A Lambda layer computing a checked expression over `x` (see the module docstring)."""

    def __init__(self, expression="x", **kwargs):
        kwargs.pop("function", None)
        try:
            function = expression_function(expression)
        except ExpressionError as exc:
            raise ExpressionError(f"expression {expression!r}: {exc}") from None
        super().__init__(function, **kwargs)
        self.expression = expression

    def get_config(self):
        config = keras.layers.Layer.get_config(self)
        config["expression"] = self.expression
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        dtype = config.get("dtype")
        if isinstance(dtype, dict):
            config["dtype"] = dtype.get("config", {}).get("name")
        return cls(**config)


register(ExpressionLambda, package="Strata", name="ExpressionLambda")
