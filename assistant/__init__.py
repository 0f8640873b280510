"""Probation Practice Assistant: answers from HM Inspectorate of Probation's effective practice.

Importing the package is cheap: heavy libraries (chromadb, onnxruntime, torch, gradio) load
only when they are first needed.
"""

from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = ["Assistant", "__version__"]

if TYPE_CHECKING:
    from assistant.api import Assistant


def __getattr__(name: str):
    if name == "Assistant":
        from assistant.api import Assistant

        return Assistant
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
