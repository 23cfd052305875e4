"""Training callbacks."""

from engine.callbacks.callback import Callback, CallbackList, History
from engine.callbacks.early_stopping import EarlyStopping
from engine.callbacks.model_checkpoint import ModelCheckpoint
from engine.callbacks.progbar import ProgbarLogger
from engine.callbacks.reduce_lr import ReduceLROnPlateau
from engine.callbacks.schedulers import CSVLogger, LearningRateScheduler
from engine.callbacks.simple import LambdaCallback, TerminateOnNaN

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping", "ModelCheckpoint",
           "ReduceLROnPlateau", "LambdaCallback", "TerminateOnNaN", "LearningRateScheduler", "CSVLogger"]
