"""What a node card shows, independent of where it comes from (document node or block)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class NodeInfo:
    """The facts a `NodeItem` paints: names, ports, key parameters, problems."""

    node_id: str
    label: str
    type_name: str
    category: str = "Core"
    summary: str = ""
    param_count: int | None = None
    inputs: list[str] = field(default_factory=lambda: ["input"])
    outputs: list[str] = field(default_factory=lambda: ["output"])
    problems: list[str] = field(default_factory=list)
    is_block: bool = False
    linked: bool = False
    inner_count: int | None = None
    x: float = 0.0
    y: float = 0.0


def format_param_count(count: int | None) -> str:
    """`1234567` -> `1.23M params`; None (not built yet) -> empty string."""
    if count is None:
        return ""
    if count >= 1_000_000:
        return f"{count / 1_000_000:.2f}M params"
    if count >= 10_000:
        return f"{count / 1000:.1f}k params"
    return f"{count:,} params"
