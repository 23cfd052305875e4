"""`keras.saving`."""


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    from engine.saving import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, **kwargs):
    from engine.saving import save_model as _save

    _save(model, filepath, overwrite=overwrite)


def register_keras_serializable(package="Custom", name=None):
    """Register a class so load_model finds it by name."""
    from engine.saving.serialization import register

    def decorator(cls):
        register(cls, package, name)
        return cls

    return decorator
