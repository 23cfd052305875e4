"""Generate the example projects shipped with Strata (resources/examples/*.strata).

    python resources/examples/make_examples.py [OUTPUT_FOLDER]

Each example is built through the document API (`app.graph` operations), so the files stay
valid as the project schema evolves: rerun this script and commit the result. The output is
deterministic (same script, same bytes of project.json). One example per section of the Keras
guide "custom layers and models", plus a digits CNN, an LSTM on sine waves and a spiral MLP.

Every project stores its title and description (English and Simplified Chinese) in
`settings["example"]`; `index.json` lists the same for the gallery without opening each file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parents[1]) not in sys.path:
    sys.path.insert(0, str(HERE.parents[1]))

from app.graph import MODEL_ID, AddBlock, AddNode, Connect, Document, MoveNodes, SetSetting  # noqa: E402

COLUMN = 290.0  # horizontal distance between consecutive nodes on the canvas
ROW = 140.0


class Builder:
    """Adds nodes to one block in reading order (left to right) and wires them."""

    def __init__(self, doc: Document, block: str = MODEL_ID):
        self.doc, self.block, self.column = doc, block, 0

    def add(self, type_name: str, params: dict | None = None, label: str | None = None, row: float = 0.0,
            block_ref: str | None = None, column: int | None = None) -> str:
        """Add a node; it goes in the next column unless `column` is given."""
        if column is None:
            column, self.column = self.column, self.column + 1
        op = AddNode(self.block, type_name, params or {}, position=(column * COLUMN, row * ROW),
                     label=label, block_ref=block_ref)
        return self.doc.apply(op).node_id

    def wire(self, src: str, dst: str, dst_port: str | None = None, src_port: str | None = None) -> None:
        src_port = src_port or self.doc.output_ports(self.block, src)[0].name
        dst_port = dst_port or self.doc.input_ports(self.block, dst)[0].name
        self.doc.apply(Connect(self.block, (src, src_port), (dst, dst_port)))

    def existing(self, type_name: str, column: int, row: float = 0.0) -> str:
        """The block's ready-made node of `type_name` (AddBlock creates an Input and an Output), moved."""
        node = next(n.id for n in self.doc.blocks[self.block].nodes.values() if n.type == type_name)
        self.doc.apply(MoveNodes(self.block, {node: (column * COLUMN, row * ROW)}))
        return node

    def chain(self, *steps) -> list[str]:
        """Add (type, params[, label]) steps one after another, each wired to the previous."""
        ids = []
        for step in steps:
            node = self.add(*step)
            if ids:
                self.wire(ids[-1], node)
            ids.append(node)
        return ids


def new_document(name: str, about: dict, data: dict, training: dict) -> Document:
    """A Document named `name` with its gallery text, data set and training settings."""
    doc = Document(name)
    doc.apply(SetSetting("example", about))
    doc.apply(SetSetting("data", data))
    settings = {"optimizer": "adam", "learning_rate": 0.01, "loss": "auto", "metrics": ["accuracy"],
                "epochs": 20, "batch_size": 32, "validation_fraction": 0.2, "seed": 0}
    settings.update(training)
    doc.apply(SetSetting("training", settings))
    return doc


def about(title_en, title_zh, text_en, text_zh, section=None) -> dict:
    entry = {"title": {"en": title_en, "zh_CN": title_zh}, "description": {"en": text_en, "zh_CN": text_zh}}
    if section:
        entry["guide_section"] = section
    return entry


LINEAR_SOURCE = '''class Linear(keras.layers.Layer):
    """y = x·w + b. The weights are created in build(), once the input width is known."""

    def __init__(self, units=16):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b
'''

COMPUTE_SUM_SOURCE = '''class ComputeSum(keras.layers.Layer):
    """Adds up everything it has seen in a non-trainable weight and passes its input on."""

    def __init__(self, input_dim=2):
        super().__init__()
        self.total = self.add_weight(shape=(input_dim,), initializer="zeros", trainable=False)

    def call(self, inputs):
        self.total.assign_add(tf.reduce_sum(inputs, axis=0))
        return inputs
'''


def linear() -> Document:
    doc = new_document("LinearModel", about(
        "Linear: a custom layer", "Linear：自定义层",
        "A Custom Layer written like the guide: __init__ stores the units, build() creates w and b "
        "with add_weight once the input width is known, call() computes x·w + b. Two Linear layers "
        "with a ReLU between them classify three blobs of points.",
        "按指南编写的自定义层：__init__ 保存单元数，build() 在得知输入宽度后用 add_weight 创建 w 和 b，"
        "call() 计算 x·w + b。两个 Linear 层中间加 ReLU，对三团点进行分类。", "1, 3"),
        {"dataset": "blobs", "params": {"samples": 300, "classes": 3, "seed": 0}},
        {"learning_rate": 0.02, "epochs": 15})
    b = Builder(doc)
    b.chain(("Input", {"shape": (2,)}), ("CustomLayer", {"source": LINEAR_SOURCE}, "Linear"),
                                             ("ReLU", {}), ("Dense", {"units": 3}, "Classes"), ("Output", {}))
    return doc


def compute_sum() -> Document:
    doc = new_document("ComputeSumModel", about(
        "ComputeSum: a non-trainable weight", "ComputeSum：不可训练权重",
        "ComputeSum keeps a running total of its inputs in a weight created with trainable=False: "
        "training never changes it by gradients, yet it is saved with the model and counted in the "
        "summary (non-trainable params). The rest of the model classifies the two moons.",
        "ComputeSum 用 trainable=False 创建的权重累计输入的总和：梯度下降不会改变它，但它会随模型保存，"
        "并在摘要中计为不可训练参数。模型的其余部分对“两个月亮”数据进行分类。", "2"),
        {"dataset": "moons", "params": {"samples": 300, "noise": 0.1, "seed": 0}},
        {"epochs": 20})
    b = Builder(doc)
    b.chain(("Input", {"shape": (2,)}), ("CustomLayer", {"source": COMPUTE_SUM_SOURCE}, "ComputeSum"),
            ("Dense", {"units": 32, "activation": "relu"}), ("Dense", {"units": 32, "activation": "relu"}),
            ("Dense", {"units": 2, "activation": "softmax"}), ("Output", {}))
    return doc


def mlp_block() -> Document:
    doc = new_document("MLPModel", about(
        "MLPBlock: layers inside a block", "MLPBlock：层的递归组合",
        "A block is a Layer that holds other layers. MLPBlock stacks three Dense layers with ReLU "
        "(open it to edit the definition; every instance follows). The model uses the block "
        "on the two circles.",
        "块是包含其他层的 Layer。MLPBlock 叠放三个带 ReLU 的 Dense 层（打开块即可编辑定义，所有实例随之改变）。"
        "模型在“两个同心圆”数据上使用该块。", "4"),
        {"dataset": "circles", "params": {"samples": 300, "noise": 0.05, "seed": 0}},
        {"epochs": 20})
    block = doc.apply(AddBlock("MLPBlock")).block_id
    inner = Builder(doc, block)
    x = inner.existing("Input", 0)
    inner.column = 1
    dense = inner.chain(("Dense", {"units": 32, "activation": "relu"}, "linear_1"),
                        ("Dense", {"units": 32, "activation": "relu"}, "linear_2"), ("Dense", {"units": 2}, "linear_3"))
    inner.wire(x, dense[0])
    inner.wire(dense[-1], inner.existing("Output", 4))
    b = Builder(doc)
    inp = b.add("Input", {"shape": (2,)})
    mlp = b.add("Block", label="mlp", block_ref=block)
    out = b.add("Output", {})
    b.wire(inp, mlp)
    b.wire(mlp, out)
    return doc


def activity_regularization() -> Document:
    doc = new_document("ActivityRegularizationModel", about(
        "add_loss: activity regularization", "add_loss()：活动正则化",
        "ActivityRegularizationLayer calls add_loss(rate · sum(activations)) in call(): the extra "
        "loss is added to the model's loss during training, pushing the hidden activations towards "
        "zero while the model classifies three blobs.",
        "ActivityRegularizationLayer 在 call() 中调用 add_loss(rate · sum(激活值))：训练时这项损失会加到模型损失上，"
        "把隐藏层激活推向零，同时模型对三团点进行分类。", "5"),
        {"dataset": "blobs", "params": {"samples": 300, "classes": 3, "seed": 1}},
        {"epochs": 15})
    b = Builder(doc)
    b.chain(("Input", {"shape": (2,)}), ("Dense", {"units": 32, "activation": "relu"}),
            ("ActivityRegularizationLayer", {"rate": 1e-4}), ("Dense", {"units": 3, "activation": "softmax"}),
            ("Output", {}))
    return doc


def logistic_endpoint() -> Document:
    doc = new_document("LogisticEndpointModel", about(
        "add_metric: a loss endpoint", "add_metric()：损失端点层",
        "As in the guide's dict example, the model has two Inputs, inputs and targets. "
        "LogisticEndpoint computes binary cross-entropy with add_loss and reports accuracy with "
        "add_metric, so training needs no loss setting: the labels of the three blobs arrive "
        "through the targets input (one-hot).",
        "与指南中的字典示例一样，模型有两个输入：inputs 和 targets。LogisticEndpoint 用 add_loss 计算二元交叉熵，"
        "用 add_metric 报告准确率，因此训练无需设置损失：三团点的标签通过 targets 输入（独热编码）传入。", "6"),
        {"dataset": "blobs", "params": {"samples": 300, "classes": 3, "seed": 2}},
        {"loss": "none (add_loss only)", "metrics": [], "epochs": 15})
    b = Builder(doc)
    inputs = b.add("Input", {"shape": (2,), "name": "inputs"}, label="inputs")
    targets = b.add("Input", {"shape": (3,), "name": "targets"}, label="targets", row=1, column=0)
    dense = b.add("Dense", {"units": 16, "activation": "relu"})
    logits = b.add("Dense", {"units": 3}, label="logits")
    endpoint = b.add("LogisticEndpoint", {}, label="predictions")
    out = b.add("Output", {"name": "predictions"})
    b.wire(inputs, dense)
    b.wire(dense, logits)
    b.wire(targets, endpoint, "targets")
    b.wire(logits, endpoint, "logits")
    b.wire(endpoint, out)
    return doc


def resnet() -> Document:
    doc = new_document("ResNet", about(
        "Model: a small ResNet", "Model 类：小型 ResNet",
        "The outermost block is the Model (it can fit, evaluate and save); inside it, ResNetBlock "
        "is used twice: two Conv2D + BatchNormalization layers and a shortcut joined by Add. "
        "GlobalAveragePooling2D and Dense classify 16×16 images of four shapes.",
        "最外层的块就是 Model（可以训练、评估和保存）；其中 ResNetBlock 被使用两次：两个 Conv2D + BatchNormalization "
        "层与一条捷径用 Add 相加。GlobalAveragePooling2D 和 Dense 对四种形状的 16×16 图像进行分类。", "7"),
        {"dataset": "shapes", "params": {"samples": 400, "size": 16, "noise": 0.1, "seed": 0}},
        {"epochs": 10, "learning_rate": 0.005})
    block = doc.apply(AddBlock("ResNetBlock")).block_id
    inner = Builder(doc, block)
    conv = {"filters": 8, "kernel_size": (3, 3), "padding": "same"}
    x = inner.existing("Input", 0)
    inner.column = 1
    c1, n1, r1, c2, n2 = inner.chain(("Conv2D", conv, "conv_1"), ("BatchNormalization", {"momentum": 0.9}, "bn_1"),
                                     ("ReLU", {}, "relu_1"), ("Conv2D", conv, "conv_2"),
                                     ("BatchNormalization", {"momentum": 0.9}, "bn_2"))
    add = inner.add("Add", {}, label="shortcut")
    relu = inner.add("ReLU", {}, label="relu_out")
    out = inner.existing("Output", inner.column)
    inner.wire(x, c1)
    inner.wire(n2, add)
    inner.wire(x, add)
    inner.wire(add, relu)
    inner.wire(relu, out)
    b = Builder(doc)
    _, stem = b.chain(("Input", {"shape": (16, 16, 1)}), ("Conv2D", {**conv, "activation": "relu"}, "stem"))
    first = b.add("Block", label="block_1", block_ref=block)
    b.wire(stem, first)
    second = b.add("Block", label="block_2", block_ref=block)
    b.wire(first, second)
    pool = b.add("GlobalAveragePooling2D", {})
    b.wire(second, pool)
    dense = b.add("Dense", {"units": 4, "activation": "softmax"}, label="classifier")
    b.wire(pool, dense)
    out = b.add("Output", {})
    b.wire(dense, out)
    return doc


def digits_cnn() -> Document:
    doc = new_document("DigitsCNN", about(
        "Digits CNN", "手写数字卷积网络",
        "A small convolutional network reads 8×8 images of handwritten digits: two Conv2D layers, "
        "max pooling, then Dense layers pick one of ten classes.",
        "一个小型卷积网络识别 8×8 的手写数字图像：两个 Conv2D 层、最大池化，再由 Dense 层在十个类别中选出一个。"),
        {"dataset": "digits", "params": {}},
        {"epochs": 5, "learning_rate": 0.005})
    b = Builder(doc)
    b.chain(("Input", {"shape": (8, 8, 1)}),
            ("Conv2D", {"filters": 16, "kernel_size": (3, 3), "padding": "same", "activation": "relu"}),
            ("MaxPooling2D", {"pool_size": (2, 2)}),
            ("Conv2D", {"filters": 32, "kernel_size": (3, 3), "padding": "same", "activation": "relu"}),
            ("Flatten", {}), ("Dense", {"units": 64, "activation": "relu"}),
            ("Dense", {"units": 10, "activation": "softmax"}), ("Output", {}))
    return doc


def sine_lstm() -> Document:
    doc = new_document("SineLSTM", about(
        "LSTM on sine waves", "LSTM 预测正弦波",
        "An LSTM reads 20 steps of a noisy sine wave and a Dense layer predicts the next value "
        "(regression with mean squared error).",
        "LSTM 读取带噪声正弦波的 20 个时间步，Dense 层预测下一个值（使用均方误差的回归）。"),
        {"dataset": "sine", "params": {"samples": 300, "timesteps": 20, "noise": 0.05, "seed": 0}},
        {"epochs": 15, "metrics": ["mean_absolute_error"]})
    b = Builder(doc)
    b.chain(("Input", {"shape": (20, 1)}), ("LSTM", {"units": 16}), ("Dense", {"units": 1}), ("Output", {}))
    return doc


def spiral() -> Document:
    doc = new_document("SpiralMLP", about(
        "Spiral classifier", "螺旋分类器",
        "Three interleaved spirals of 2-D points and a multilayer perceptron: watch the decision "
        "boundary bend around the arms as it trains.",
        "三条交错的二维点螺旋线和一个多层感知机：训练时观察决策边界如何绕着螺旋臂弯曲。"),
        {"dataset": "spiral", "params": {"samples": 300, "noise": 0.2, "classes": 3, "seed": 0}},
        {"epochs": 40, "learning_rate": 0.01})
    b = Builder(doc)
    b.chain(("Input", {"shape": (2,)}), ("Dense", {"units": 64, "activation": "relu"}),
            ("Dense", {"units": 64, "activation": "relu"}), ("Dense", {"units": 3, "activation": "softmax"}),
            ("Output", {}))
    return doc


def linked_blocks() -> Document:
    doc = new_document("LinkedBlocks", about(
        "Linked block instances", "关联的块实例",
        "One block definition, two instances: edit HiddenBlock once and both instances change "
        "(each keeps its own weights unless you tick Shared weights). Together they classify the "
        "spiral.",
        "一个块定义、两个实例：只需编辑一次 HiddenBlock，两个实例都会随之改变（除非勾选“共享权重”，"
        "否则每个实例各有自己的权重）。它们一起对螺旋数据进行分类。", "4"),
        {"dataset": "spiral", "params": {"samples": 300, "noise": 0.2, "classes": 3, "seed": 0}},
        {"epochs": 30, "learning_rate": 0.01})
    block = doc.apply(AddBlock("HiddenBlock")).block_id
    inner = Builder(doc, block)
    x = inner.existing("Input", 0)
    inner.column = 1
    dense = inner.chain(("Dense", {"units": 32, "activation": "relu"}, "dense_a"),
                        ("Dense", {"units": 32, "activation": "relu"}, "dense_b"))
    inner.wire(x, dense[0])
    inner.wire(dense[-1], inner.existing("Output", 3))
    b = Builder(doc)
    inp = b.add("Input", {"shape": (2,)})
    first = b.add("Block", label="mlp_1", block_ref=block)
    second = b.add("Block", label="mlp_2", block_ref=block)
    b.wire(inp, first)
    b.wire(first, second)
    classes = b.add("Dense", {"units": 3, "activation": "softmax"}, label="classes")
    b.wire(second, classes)
    b.wire(classes, b.add("Output", {}))
    return doc


# File stem -> builder, in the order the guide introduces them.
EXAMPLES = {
    "01_linear": linear,
    "02_compute_sum": compute_sum,
    "03_mlp_block": mlp_block,
    "04_activity_regularization": activity_regularization,
    "05_logistic_endpoint": logistic_endpoint,
    "06_resnet": resnet,
    "07_digits_cnn": digits_cnn,
    "08_sine_lstm": sine_lstm,
    "09_spiral": spiral,
    "10_linked_blocks": linked_blocks,
}
DEMO = "09_spiral"  # what `make run` opens


def build_all() -> dict:
    """{file stem: Document} for every example."""
    return {stem: make() for stem, make in EXAMPLES.items()}


def write_all(folder: Path = HERE) -> list[Path]:
    """Write every example and index.json into `folder`; returns the written paths."""
    from app.graph.project import atomic_write_bytes, save_project

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written, index = [], {}
    if folder.resolve() == HERE:
        for stale in folder.glob("*.strata"):
            if stale.stem not in EXAMPLES:  # the shipped examples are only what this script makes
                stale.unlink()
    for stem, doc in build_all().items():
        problems = doc.problems()
        if problems:
            raise SystemExit(f"example {stem} has problems: {[p.message for p in problems]}")
        path = folder / f"{stem}.strata"
        save_project(doc, path)
        path.chmod(0o644)
        Path(str(path) + ".bak").unlink(missing_ok=True)
        index[path.name] = doc.settings["example"]
        written.append(path)
    text = json.dumps(index, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write_bytes(folder / "index.json", text.encode("utf-8"))
    (folder / "index.json").chmod(0o644)
    return written + [folder / "index.json"]


if __name__ == "__main__":
    for written_path in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(written_path)
