"""Reverse-mode automatic differentiation: tensors, the tape and op definitions."""

from engine.autodiff.tensor import Tensor, convert, is_tensor
from engine.autodiff.tape import GradientTape, stop_recording, recording
from engine.autodiff.function import record

__all__ = ["Tensor", "convert", "is_tensor", "GradientTape", "stop_recording", "recording", "record"]
