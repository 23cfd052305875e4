"""Training callbacks."""

from engine.callbacks.callback import Callback, CallbackList, History
from engine.callbacks.progbar import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]
