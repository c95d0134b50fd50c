"""Operations: JSON logs with the PII filter (``logs``), Prometheus metrics (``metrics``), liveness
and readiness endpoints for Sanic apps (``sanic_routes``). Used by every process: the Rasa server
(``channels/ops.py``), the Zalo turn processes, the action server (``anninh/action_server.py``) and
the officers' console (``logs.install_logging`` and ``wsgi.with_ops_routes``)."""
