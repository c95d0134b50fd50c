"""The officers' console: a web application (Flask) in its own process, ``python -m anninh.console``.

Areas (blueprints under ``views/``): log in (``auth``), inbox and report page (``reports``),
handling (``handling``), attachments, exports, accounts. Every route asks ``policy``.
"""
from anninh.console.app import create_app

__all__ = ["create_app"]
