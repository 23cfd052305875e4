"""The interface every backend implements."""

from __future__ import annotations


class Backend:
    """A place where arrays live plus the kernels that compute on them.

    `xp` is a numpy-compatible namespace for the array type of this backend; kernels
    that numpy cannot express efficiently are methods of the backend itself.
    """

    name = "abstract"
    xp = None

    def owns(self, array) -> bool:
        """Whether `array` is stored by this backend."""
        raise NotImplementedError

    def asarray(self, value, dtype=None):
        """Move or convert `value` into an array of this backend."""
        raise NotImplementedError

    def to_numpy(self, array):
        """Copy `array` to a host numpy array."""
        raise NotImplementedError
