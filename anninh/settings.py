"""The environment variables of every process, one typed settings class per process.

Each class is a pydantic (v1) ``BaseSettings``: ``AssistantSettings()`` reads the variables of the
Rasa server with the Zalo channel (and its turn processes), ``ActionServerSettings()`` those of the
action server, ``ConsoleSettings()`` the officers' web console, ``OfficerCliSettings()`` the
officers' command line tool. Each field names its variable (``env=``) and says what it means
(``description=``); the configuration table of the README is generated from these classes
(``scripts/settings_table.py``), and a test fails when a module reads a variable that no class
documents.

Secrets are ``SecretStr``: printing a settings object never shows them.
"""
from __future__ import annotations

import os
from typing import Dict, List, Mapping, Optional, Tuple, Type

from pydantic import BaseSettings, Field, SecretStr, validator

LOG_FORMATS = ("text", "json")


class ProcessSettings(BaseSettings):
    """What every process reads."""

    log_format: str = Field("text", env="LOG_FORMAT",
                            description="`json`: one JSON object per log line (for a log collector); "
                                        "`text`: plain lines. Phone and ID numbers are masked either way")
    log_level: str = Field("INFO", env="LOG_LEVEL",
                           description="log level of the Zalo turn processes (DEBUG, INFO, WARNING …)")

    class Config:
        case_sensitive = True

    @validator("log_format")
    def _known_format(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        value = (value or "text").strip().lower()
        if value not in LOG_FORMATS:
            raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {value!r}")
        return value


class ReportsSettings(ProcessSettings):
    """Where reports, handoffs and attachments are kept (action server, console, officer tool)."""

    reports_db_url: str = Field("", env="REPORTS_DB_URL",
                                description="SQLAlchemy URL of the reports database (empty: SQLite "
                                            "file `var/reports.db`)")
    reports_db_schema: str = Field("", env="REPORTS_DB_SCHEMA",
                                   description="PostgreSQL schema of the reports tables (empty: the default)")
    reports_attachments_dir: str = Field("", env="REPORTS_ATTACHMENTS_DIR",
                                         description="folder of downloaded report photos (empty: `var/attachments`)")
    reports_oa_units: str = Field("", env="REPORTS_OA_UNITS",
                                  description="JSON object {OA id: unit} that overrides `units.by_oa` of "
                                              "`content/reports.yml`")
    handoff_overdue_minutes: float = Field(30, env="HANDOFF_OVERDUE_MINUTES",
                                           description="a request to talk to an officer nobody took within "
                                                       "this many minutes is flagged overdue")
    reports_notifier: str = Field("none", env="REPORTS_NOTIFIER",
                                  description="how citizens are told their report changed when no Zalo OA is "
                                              "configured: `none`, `zalo:module:send_text` or "
                                              "`factory:module:make_notifier` (with `ZALO_OA_ID` / "
                                              "`ZALO_ACCOUNTS_FILE` the Zalo connector's notifier is used)")
    reports_zalo_credentials: str = Field("credentials.zalo.yml", env="REPORTS_ZALO_CREDENTIALS",
                                          description="credentials file whose `channels.zalo.ZaloInput` section the "
                                                      "notifier reads with the `ZALO_*` variables")
    reports_tracker_endpoints: str = Field("endpoints.yml", env="REPORTS_TRACKER_ENDPOINTS",
                                           description="endpoints file whose `tracker_store` holds the citizen's "
                                                       "last Zalo message (`endpoints.production.yml` with several "
                                                       "workers)")
    reports_reply_window_hours: float = Field(48, env="REPORTS_REPLY_WINDOW_HOURS",
                                              description="a notification is sent only this many hours after the "
                                                          "citizen's last message, as a reply quoting it; later: "
                                                          "\"not delivered: outside the reply window\" in the audit "
                                                          "trail")
    reports_reply_window_messages: int = Field(8, env="REPORTS_REPLY_WINDOW_MESSAGES",
                                               description="at most this many OA messages after the citizen's last "
                                                           "message; `0` = no limit")
    reports_zns_template_id: str = Field("", env="REPORTS_ZNS_TEMPLATE_ID",
                                         description="ZNS template (parameters `code` and `status`) sent outside the "
                                                     "reply window to a citizen who shared their phone (empty: off)")
    reports_zns_base_url: str = Field("https://business.openapi.zalo.me", env="REPORTS_ZNS_BASE_URL",
                                      description="ZNS API address (point it at the fake API for local tests)")
    reports_attachment_hosts: str = Field(".zdn.vn,.zadn.vn,.zalo.me", env="REPORTS_ATTACHMENT_HOSTS",
                                          description="hosts attachments are downloaded from (`.example.vn` = with "
                                                      "subdomains, `*` = any host); only public addresses, checked "
                                                      "after DNS resolution and at every redirect")
    reports_attachment_max_mb: float = Field(20, env="REPORTS_ATTACHMENT_MAX_MB",
                                             description="largest attachment downloaded (MB)")
    reports_attachment_types: str = Field("image/*,video/*,application/pdf,application/msword,"
                                          "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                          env="REPORTS_ATTACHMENT_TYPES",
                                          description="content types downloaded (comma-separated, `type/*` allowed)")
    reports_attachment_timeout: float = Field(60, env="REPORTS_ATTACHMENT_TIMEOUT",
                                              description="seconds per attachment download")
    reports_attachments_test_only_allow: str = Field("", env="REPORTS_ATTACHMENTS_TEST_ONLY_ALLOW",
                                                     description="**tests only**: exact `host:port` pairs exempt from "
                                                                 "the download policy; never set it in production")


class AssistantSettings(ProcessSettings):
    """The Rasa server (`make run`), its Zalo channel and the channel's turn processes."""

    rasa_port: int = Field(5005, env="RASA_PORT", description="port of the Rasa server in `make run`")
    rasa_workers: int = Field(1, env="RASA_WORKERS",
                              description="Rasa worker processes in `make run`; above 1 uses "
                                          "`endpoints.production.yml` (PostgreSQL and Redis)")
    rasa_endpoints: str = Field("", env="RASA_ENDPOINTS",
                                description="`production`: use `endpoints.production.yml` with one worker")
    rest_channel_enabled: bool = Field(False, env="REST_CHANNEL_ENABLED",
                                       description="`true`: keep the REST channel (`/webhooks/rest/webhook`) "
                                                   "on next to the Zalo channel; off in production by default")
    zalo_oa_id: str = Field("", env="ZALO_OA_ID",
                            description="one Zalo OA: its id; setting it enables the Zalo channel in `make run`")
    zalo_app_id: str = Field("", env="ZALO_APP_ID", description="one Zalo OA: the app id")
    zalo_oa_secret_key: SecretStr = Field("", env="ZALO_OA_SECRET_KEY",
                                          description="one Zalo OA: the OA secret key (webhook signatures)")
    zalo_app_secret_key: SecretStr = Field("", env="ZALO_APP_SECRET_KEY",
                                           description="one Zalo OA: the app secret key (token refresh)")
    zalo_refresh_token: SecretStr = Field("", env="ZALO_REFRESH_TOKEN",
                                          description="first refresh token, adopted once into the token "
                                                      "store (or use `scripts/zalo_token.py`)")
    zalo_access_token: SecretStr = Field("", env="ZALO_ACCESS_TOKEN",
                                         description="first access token, adopted once with the refresh token")
    zalo_unit: str = Field("", env="ZALO_UNIT",
                           description="unit label of the OA (matched against `content/units.yml`)")
    zalo_accounts_file: str = Field("", env="ZALO_ACCOUNTS_FILE",
                                    description="YAML list of several OAs (`${VAR}` secrets) instead of the "
                                                "variables above; also enables the Zalo channel")
    zalo_db_path: str = Field("var/zalo.db", env="ZALO_DB_PATH",
                              description="token store and message inbox (SQLite): back it up, refresh "
                                          "tokens work once")
    zalo_db_url: SecretStr = Field("", env="ZALO_DB_URL",
                                   description="PostgreSQL URL of the token store and message inbox shared by "
                                               "several nodes instead of `ZALO_DB_PATH` (production `make run`: the "
                                               "tracker's database; docs/zalo.md § 14)")
    zalo_api_base_url: str = Field("https://openapi.zalo.me", env="ZALO_API_BASE_URL",
                                   description="Zalo message API (point it at the fake API for local tests)")
    zalo_oauth_base_url: str = Field("https://oauth.zaloapp.com", env="ZALO_OAUTH_BASE_URL",
                                     description="Zalo OAuth server")
    action_endpoint_url: str = Field("", env="ACTION_ENDPOINT_URL",
                                     description="action server webhook in `endpoints.production.yml` "
                                                 "(`make run` sets the local one)")
    actions_shared_secret: SecretStr = Field("", env="ACTIONS_SHARED_SECRET",
                                             description="sent to the action server in the `X-Actions-Secret` "
                                                         "header (`endpoints.production.yml`); `make run` "
                                                         "makes one up when unset")
    tracker_db_host: str = Field("127.0.0.1", env="TRACKER_DB_HOST", description="PostgreSQL host of the conversations")
    tracker_db_port: int = Field(5432, env="TRACKER_DB_PORT", description="PostgreSQL port of the conversations")
    tracker_db_name: str = Field("zalo_an_ninh", env="TRACKER_DB_NAME",
                                 description="database of the conversations (created on first start)")
    tracker_db_login_db: str = Field("postgres", env="TRACKER_DB_LOGIN_DB",
                                     description="database Rasa connects to first to create `TRACKER_DB_NAME`")
    tracker_db_user: str = Field("postgres", env="TRACKER_DB_USER", description="PostgreSQL user")
    tracker_db_password: SecretStr = Field("", env="TRACKER_DB_PASSWORD", description="PostgreSQL password")
    lock_store_redis_host: str = Field("127.0.0.1", env="LOCK_STORE_REDIS_HOST",
                                       description="Redis host of the conversation locks")
    lock_store_redis_port: int = Field(6379, env="LOCK_STORE_REDIS_PORT", description="Redis port")
    lock_store_redis_db: int = Field(1, env="LOCK_STORE_REDIS_DB", description="Redis database number")
    lock_store_redis_password: SecretStr = Field("", env="LOCK_STORE_REDIS_PASSWORD", description="Redis password")
    lock_store_key_prefix: str = Field("zaloanninh", env="LOCK_STORE_KEY_PREFIX",
                                       description="prefix of the lock keys in Redis")
    prometheus_multiproc_dir: str = Field("", env="PROMETHEUS_MULTIPROC_DIR",
                                          description="folder where the server, its workers and turn processes "
                                                      "write their metrics (empty: a temporary folder made at "
                                                      "start and removed at exit)")
    zalo_turn_process: str = Field("", env="ZALO_TURN_PROCESS",
                                   description="internal: what the server hands a turn process it starts; "
                                               "never set it yourself")


class ActionServerSettings(ReportsSettings):
    """The action server (`python -m anninh.action_server`, started by `make run`)."""

    actions_host: str = Field("127.0.0.1", env="ACTIONS_HOST",
                              description="interface the action server listens on; any other than the "
                                          "loopback requires `ACTIONS_SHARED_SECRET`")
    actions_port: int = Field(5055, env="ACTIONS_PORT", description="port of the action server")
    actions_shared_secret: SecretStr = Field("", env="ACTIONS_SHARED_SECRET",
                                             description="when set, the action server refuses (401) every "
                                                         "action call without this value in `X-Actions-Secret`")
    provincial_hotline: str = Field("", env="PROVINCIAL_HOTLINE",
                                    description="the province's hotline, when `content/units.yml` has none")
    news_feed_url: str = Field("", env="NEWS_FEED_URL", description="RSS feed of the police's news (empty: none)")
    news_cache_seconds: float = Field(600, env="NEWS_CACHE_SECONDS", description="how long the feed is cached")
    news_feed_timeout: float = Field(3, env="NEWS_FEED_TIMEOUT", description="timeout of one feed download (s)")

    @validator("actions_shared_secret")
    def _secret_long_enough(cls, value: SecretStr) -> SecretStr:  # noqa: N805 - pydantic validator
        secret = value.get_secret_value()
        if secret and len(secret) < 16:
            raise ValueError("ACTIONS_SHARED_SECRET must be at least 16 characters long")
        return value

    @property
    def loopback_only(self) -> bool:
        return self.actions_host in ("127.0.0.1", "localhost", "::1")


class ConsoleSettings(ReportsSettings):
    """The officers' web console (`python -m anninh.console`; anninh/console/settings.py)."""

    console_host: str = Field("127.0.0.1", env="CONSOLE_HOST", description="interface the console listens on")
    console_port: int = Field(8080, env="CONSOLE_PORT", description="port of the console")
    console_secret_key: SecretStr = Field("", env="CONSOLE_SECRET_KEY",
                                          description="signs the session cookies (empty: generated once into "
                                                      "`var/console-secret.key`, mode 0600)")
    console_secure_cookies: bool = Field(False, env="CONSOLE_SECURE_COOKIES",
                                         description="`1` behind HTTPS: cookies only travel over HTTPS")
    console_session_minutes: int = Field(480, env="CONSOLE_SESSION_MINUTES",
                                         description="a login lasts this long, then the officer logs in again")
    console_max_failures: int = Field(5, env="CONSOLE_MAX_FAILURES",
                                      description="failed logins of one account within 15 minutes before its "
                                                  "login is refused")
    console_max_failures_per_address: int = Field(20, env="CONSOLE_MAX_FAILURES_PER_ADDRESS",
                                                  description="failed logins from one address within 15 minutes "
                                                              "before logins from it are refused")
    console_page_size: int = Field(25, env="CONSOLE_PAGE_SIZE", description="reports per inbox page (1-200)")
    console_workers: int = Field(3, env="CONSOLE_WORKERS",
                                 description="worker processes of the console's production server "
                                             "(gunicorn, `anninh/console/gunicorn_conf.py`)")
    tracker_db_url: str = Field("", env="TRACKER_DB_URL",
                                description="SQLAlchemy URL of the assistant's conversations, read only by the "
                                            "console (empty: the tracker store of `REPORTS_TRACKER_ENDPOINTS`)")


class OfficerCliSettings(ReportsSettings):
    """The officers' command line tool (`python -m anninh.officer`)."""

    officer_name: str = Field("", env="OFFICER_NAME",
                              description="ignored: the tool records itself as `cli:<OS user>` (kept so old "
                                          "scripts still run)")


PROCESSES: List[Tuple[str, Type[BaseSettings]]] = [
    ("assistant", AssistantSettings),
    ("actions", ActionServerSettings),
    ("console", ConsoleSettings),
    ("officer", OfficerCliSettings),
]

# Read by the tools and libraries we start, documented here so that nothing set is a mystery.
EXTERNAL: Dict[str, str] = {
    "RASA_TELEMETRY_ENABLED": "`false` (set by the scripts): no telemetry",
    "TF_CPP_MIN_LOG_LEVEL": "`2` (set by the scripts): TensorFlow's own messages hidden",
    "SANIC_WORKERS": "set by `make run` from `RASA_WORKERS`",
    "PYTHONPATH": "the repository root (set by the scripts)",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "`1` (set by the scripts): SQLAlchemy 1.4's banner about 2.0 hidden (Rasa 3.6 needs 1.4)",
    "POSTGRES_PASSWORD": "docker-compose.yml: password of the PostgreSQL service, used in every database URL (docs/deploy.md)",
    "CATALOGUE_MAX_AGE_DAYS": "`make validate`: catalogue entries whose `verified_on` is older than this many days are listed for re-checking (default 183, about six months)",
    "TAG": "docker-compose.yml: tag of the images built (default `latest`)",
    "PROXY_PORT": "docker-compose.yml: port the reverse proxy publishes (default 8080)",
    "PYTEST_WORKERS": "`make test`: how many pytest-xdist workers run the tests (default 2; whole files per worker)",
}


def variables() -> Dict[str, Dict[str, object]]:
    """Every documented variable: {name: {"default", "meaning", "processes", "secret"}}."""
    found: Dict[str, Dict[str, object]] = {}
    for process, cls in PROCESSES:
        for field in cls.__fields__.values():
            name = field.field_info.extra.get("env") or field.name.upper()
            entry = found.setdefault(name, {
                "default": field.default, "meaning": field.field_info.description or "",
                "processes": [], "secret": field.outer_type_ is SecretStr})
            entry["processes"].append(process)  # type: ignore[union-attr]
    for name, meaning in EXTERNAL.items():
        found.setdefault(name, {"default": None, "meaning": meaning, "processes": ["scripts"], "secret": False})
    return found


def load(cls: Type[BaseSettings], environ: Optional[Dict[str, str]] = None) -> BaseSettings:
    """``cls()`` from the process environment, or from ``environ`` when given (tests)."""
    if environ is None:
        return cls()
    names = {f.name: f.field_info.extra.get("env") for f in cls.__fields__.values()}
    return cls(**{field: environ[env] for field, env in names.items() if env in environ})


def env_positive_number(name: str, default: float, environ: Optional[Mapping[str, str]] = None) -> float:
    """A positive number from the environment variable ``name`` (``default`` when unset); a clear
    ValueError naming the variable otherwise. For library code read outside a settings class."""
    env = os.environ if environ is None else environ
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive")
    return value
