"""What loading or binding an ID2Face model refuses with."""

from __future__ import annotations


class ModelNotFoundError(FileNotFoundError):
    """No saved ID2Face model where one was expected."""


class RecognizerMismatchError(ValueError):
    """The recognizer offered differs from the one the model was trained with."""
