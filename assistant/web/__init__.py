"""The web app: Gradio tabs over the API, plain handler functions behind them, CSS and JS as static files.

``app`` builds the Blocks (`build_app`) from ``chat`` (Ask), ``finder`` (Find examples),
``evaluate_tab`` (Evaluate) and the glossary and About tabs; ``shared`` holds the evidence
cards and filter menus the tabs share. `assistant.server` launches it; nothing here imports
below `assistant.api`.
"""

from assistant.web.app import build_app, launch_options

__all__ = ["build_app", "launch_options"]
