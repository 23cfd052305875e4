"""`keras.models`."""

from engine.models import Functional, Model, Sequential, load_model  # noqa: F401


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and fresh weights."""
    from engine.saving.serialization import deserialize_keras_object, serialize_keras_object

    return deserialize_keras_object(serialize_keras_object(model))
