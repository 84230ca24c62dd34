"""uchat settings: one file, driven by the environment (see README "Configuration").

The defaults give a working first run on one machine: SQLite under ``var/``, the in-memory
channel layer, eager Celery tasks and e-mails printed to the console.
"""

import base64
import hashlib
import os
import re
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured
from redis.asyncio.retry import Retry as RedisRetry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

BASE_DIR = Path(__file__).resolve().parent.parent

# .env first, before any setting is read; the process environment wins over it.
env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("UCHAT_DATA_DIR", default=str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _secret_key() -> str:
    """Read the key from the environment, else from (or into) the git-ignored data folder."""
    key = env.str("DJANGO_SECRET_KEY", default="")
    if key:
        return key
    if env.bool("UCHAT_REQUIRE_SECRET_KEY", default=False):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in this environment.")
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # One plain line, once: a first run is not an error.
        sys.stderr.write(f"uchat: no DJANGO_SECRET_KEY set; generated one into {path}\n")
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _vapid_keys() -> tuple[str, str]:
    """Web Push's VAPID key pair (RFC 8292), base64url: the private key's 32 bytes and the public
    key as an uncompressed P-256 point. From the environment, else from (or into) the data
    folder, once: every process of the site must sign with the one key the browsers hold."""
    from cryptography.hazmat.primitives.asymmetric import ec

    private = env.str("UCHAT_VAPID_PRIVATE_KEY", default="")
    path = DATA_DIR / "vapid_private_key"
    if not private:
        key = ec.generate_private_key(ec.SECP256R1())
        raw = key.private_numbers().private_value.to_bytes(32, "big")
        # Written whole, then linked into place: of two processes starting together, the
        # second keeps the first one's key and never reads a half-written file.
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        draft.write_text(_b64url(raw))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
            sys.stderr.write(f"uchat: no UCHAT_VAPID_PRIVATE_KEY set; generated one into {path}\n")
        except FileExistsError:
            pass
        finally:
            draft.unlink()
        private = path.read_text().strip()
    raw_private = _b64url_decode(private)
    if len(raw_private) != 32:
        raise ImproperlyConfigured("UCHAT_VAPID_PRIVATE_KEY: 32 bytes, base64url-encoded.")
    value = int.from_bytes(raw_private, "big")
    public_point = ec.derive_private_key(value, ec.SECP256R1()).public_key().public_numbers()
    derived = _b64url(
        b"\x04" + public_point.x.to_bytes(32, "big") + public_point.y.to_bytes(32, "big")
    )
    public = env.str("UCHAT_VAPID_PUBLIC_KEY", default="") or derived
    if public.rstrip("=") != derived:
        raise ImproperlyConfigured("UCHAT_VAPID_PUBLIC_KEY is not UCHAT_VAPID_PRIVATE_KEY's pair.")
    return public, private


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _b64url_decode(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


UCHAT_VAPID_PUBLIC_KEY, UCHAT_VAPID_PRIVATE_KEY = _vapid_keys()
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",  # first, so that runserver serves ASGI (HTTP and WebSocket)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",  # the site's name and domain in e-mails (UCHAT_SITE_NAME, _URL)
    "channels",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",  # "signed-in devices": sign out the others (their sockets close)
    "allauth.socialaccount",  # Google, Facebook, GitHub: see "Social log-in" below
    "phonenumber_field",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "bootstrap",  # Bootstrap 5 static files from PyPI (django-bootstrap-static); no CDN
    "csp",
    "accounts",
    "rooms",
    "usergroups",  # user groups: @mention handles for several people (issue 29)
    "notifications",
    "tickets",
    "widget",
    "integrations",
    "dashboard",
]

MIDDLEWARE = [
    "core.client_address.ClientAddressMiddleware",  # first: REMOTE_ADDR for all that follow
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "core.middleware.RefuseNulMiddleware",
    "core.middleware.RequestSizeMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "core.middleware.AdminTimeZoneMiddleware",
]

ROOT_URLCONF = "uchat.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "uchat.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.badge",
                "accounts.context_processors.site_name",
                "accounts.context_processors.tour",
                "accounts.context_processors.bots_menu",
                "accounts.context_processors.full_member",
                "uchat.pwa.theme_color",
                "tickets.context_processors.availability",
            ],
            # {% icon "name" %} and {% icon_sprite %} in every template (core/icons.py).
            "builtins": ["core.templatetags.icons"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite (WAL) under var/ unless DATABASE_URL names another database (postgres://...).
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'uchat.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # FULL: an acknowledged message survives a power cut (NORMAL can lose the last ones).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # A file, not :memory:, so that a live server process started by the tests shares it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_uchat.sqlite3")}
else:
    # Persistent connections: a socket's database calls would otherwise open a new PostgreSQL
    # connection each time (docs/performance.md). Health checks drop a dead one after a restart.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# "pgbouncer": DATABASE_URL points at PgBouncer in transaction mode, where consecutive
# transactions may run on different server connections. Nothing may then outlive a
# transaction: no server-side cursors, no prepared statements (PgBouncer before 1.21 cannot
# route them); uchat sets no session state (search's limits are SET LOCAL).
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured('DATABASE_POOLER is "pgbouncer" or unset.')
if DATABASE_POOLER and DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
# A streaming replica of the primary: search, reports, the people directory and pages of
# older history read from it (core.db_router); every write, and every read that must see its
# own write, goes to DATABASE_URL.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},  # tests read the test database through it
    }
DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, Celery ------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Redis' pub/sub ignores the database number in REDIS_URL: two sites on db 0 and db 1 of one
# Redis would hear each other's broadcasts. Every channel, group and cache key carries this
# site's prefix instead. The default derives from the secret key, the one value every process
# of a site must share (sessions break without it) and no two sites should: the database URL
# may differ between processes of one site (a pooler for some, a direct connection for others),
# which would split them silently. Rotating the secret key changes it: restart every process
# together then, or set the prefix explicitly.
UCHAT_CHANNEL_PREFIX = env.str("UCHAT_CHANNEL_PREFIX", default="") or (
    "uchat." + hashlib.sha256(f"uchat channel prefix:{SECRET_KEY}".encode()).hexdigest()[:16]
)
if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", UCHAT_CHANNEL_PREFIX):
    raise ImproperlyConfigured(
        "UCHAT_CHANNEL_PREFIX must be 1 to 40 letters, digits, '.', '_' or '-'."
    )
# Redis Sentinel instead of one address: REDIS_SENTINELS=host:port,host:port names the
# sentinels that watch the master called REDIS_SENTINEL_MASTER; every client (the channel
# layer, the cache and rate limits, Celery's broker) asks them for the master, and again after
# a failover. REDIS_PASSWORD is the master's, REDIS_SENTINEL_PASSWORD the sentinels' own.
REDIS_SENTINELS = [
    (host, int(port))
    for host, _, port in (
        entry.rpartition(":") for entry in env.list("REDIS_SENTINELS", default=[])
    )
]
REDIS_SENTINEL_MASTER = env.str("REDIS_SENTINEL_MASTER", default="mymaster")
REDIS_SENTINEL_PASSWORD = env.str("REDIS_SENTINEL_PASSWORD", default="")
REDIS_PASSWORD = env.str("REDIS_PASSWORD", default="")
REDIS_ENABLED = bool(REDIS_URL or REDIS_SENTINELS)
_SENTINEL_KWARGS = {"password": REDIS_SENTINEL_PASSWORD} if REDIS_SENTINEL_PASSWORD else {}
if REDIS_ENABLED:
    REDIS_CONNECTION = {
        **(
            {
                "master_name": REDIS_SENTINEL_MASTER,
                "sentinels": REDIS_SENTINELS,
                "sentinel_kwargs": _SENTINEL_KWARGS,
                **({"password": REDIS_PASSWORD} if REDIS_PASSWORD else {}),
            }
            if REDIS_SENTINELS
            else {"address": REDIS_URL}
        ),
        # redis-py's default socket_timeout (5 s) equalled channels-redis' 5 s blocking read, so
        # an idle reader timed out and its sockets dropped every few seconds. A longer read
        # timeout (still finite: a stalled Redis is noticed) and TCP keepalive for a silent
        # network partition.
        "socket_timeout": 10,
        "socket_connect_timeout": 3,
        "socket_keepalive": True,
        "health_check_interval": 15,
        # After a Redis restart every pooled connection is dead; the first command on each
        # would fail and lose its broadcast. A refused or reset connection never ran the
        # command, so trying again is safe.
        "retry": RedisRetry(ExponentialBackoff(cap=0.5, base=0.05), 3, (RedisConnectionError,)),
    }
    if env.str("UCHAT_CHANNEL_LAYER", default="redis-pubsub") == "redis":
        # channels-redis' list layer: a broadcast waits in Redis while a process is stalled.
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [REDIS_CONNECTION],
                    "prefix": UCHAT_CHANNEL_PREFIX,
                    # All of a process's channels share one Redis list, and what goes past this
                    # is dropped; with core/fanout.py that is one entry per broadcast.
                    "capacity": 10_000,
                    "expiry": 30,
                },
            }
        }
    else:
        # Redis pub/sub (the default): one PUBLISH per broadcast, pushed to every process that
        # subscribed, at a third of the list layer's CPU (docs/performance.md). What is published
        # while a process is cut off is lost to it: core/fanout.py notices the missing beat and
        # closes that process's sockets, whose clients reconnect and sync.
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [REDIS_CONNECTION], "prefix": UCHAT_CHANNEL_PREFIX},
            }
        }
    CACHES = {
        "default": {
            # Degrades to misses while Redis is away (rate limits fail open; messages still store).
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL or "redis://sentinel-master/0",
            "OPTIONS": {
                "socket_connect_timeout": 1,
                "socket_timeout": 1,
                **(
                    {
                        "pool_class": "core.cache.SentinelPool",
                        "master_name": REDIS_SENTINEL_MASTER,
                        "sentinels": REDIS_SENTINELS,
                        "sentinel_kwargs": _SENTINEL_KWARGS,
                        **({"password": REDIS_PASSWORD} if REDIS_PASSWORD else {}),
                    }
                    if REDIS_SENTINELS
                    else {}
                ),
            },
            # Rate-limit counters of two sites on one Redis database stay apart.
            "KEY_PREFIX": UCHAT_CHANNEL_PREFIX,
        }
    }
else:
    # One process only: the in-memory layer does not reach other processes.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"  # (a host: kombu warns without one)
if REDIS_SENTINELS:
    _auth = f":{REDIS_PASSWORD}@" if REDIS_PASSWORD else ""
    CELERY_BROKER_URL = ";".join(f"sentinel://{_auth}{h}:{p}/0" for h, p in REDIS_SENTINELS)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "master_name": REDIS_SENTINEL_MASTER,
        "sentinel_kwargs": _SENTINEL_KWARGS,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("UCHAT_CELERY_EAGER", default=not REDIS_ENABLED)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_IGNORE_RESULT = True
# --- Tickets by e-mail (manage.py fetch_mail; docs/tickets-by-email.md) ------------------------
# The support address customers write to; replies to a ticket's e-mails go to
# local+t<id>-<signature>@domain (plus addressing). Unset: ticket e-mails carry no reply address.
UCHAT_SUPPORT_ADDRESS = env.str("UCHAT_SUPPORT_ADDRESS", default="")
# Platform feedback (/feedback/) one person may send per hour.
UCHAT_FEEDBACK_PER_HOUR = env.int("UCHAT_FEEDBACK_PER_HOUR", default=5)
UCHAT_IMAP_HOST = env.str("UCHAT_IMAP_HOST", default="")
UCHAT_IMAP_PORT = env.int("UCHAT_IMAP_PORT", default=993)
UCHAT_IMAP_SSL = env.bool("UCHAT_IMAP_SSL", default=True)
UCHAT_IMAP_USER = env.str("UCHAT_IMAP_USER", default="")
UCHAT_IMAP_PASSWORD = env.str("UCHAT_IMAP_PASSWORD", default="")
UCHAT_IMAP_FOLDER = env.str("UCHAT_IMAP_FOLDER", default="INBOX")
UCHAT_IMAP_QUARANTINE = env.str("UCHAT_IMAP_QUARANTINE", default="Quarantine")
UCHAT_MAIL_MAX_BYTES = env.int("UCHAT_MAIL_MAX_BYTES", default=15 * 1024 * 1024)
# A message that cannot be read or stored is tried on this many polls, then quarantined.
UCHAT_MAIL_MAX_TRIES = env.int("UCHAT_MAIL_MAX_TRIES", default=3)
# Rows of failed inbound mail (admin: Mail failures) are forgotten after this many days.
UCHAT_MAIL_FAILURE_DAYS = env.int("UCHAT_MAIL_FAILURE_DAYS", default=30)

# Periodic tasks, run by exactly one `celery beat` (docs/deploy.md).
CELERY_BEAT_SCHEDULE = {
    "sla-check": {"task": "tickets.tasks.sla_check", "schedule": 60.0},
    "auto-resolve": {"task": "tickets.tasks.auto_resolve", "schedule": 3600.0},
    "uploads-sweep": {"task": "rooms.tasks.uploads_sweep", "schedule": 600.0},
}

# --- Accounts ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "dashboard"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
USERSESSIONS_ADAPTER = "accounts.adapter.UserSessionsAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email", "phone"}
# "email*" keeps allauth's mandatory verification; accounts.forms.SignupForm asks for an
# e-mail address or a mobile number (or both), and accounts.stages lets a verified number
# stand in for a verified address.
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "phone", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}  # with first and last name
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# "Send me a sign-in code": by e-mail, or by text to a verified mobile number.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# Codes sent by text: good for this many seconds, once, and 3 wrong tries end them.
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = env.int("UCHAT_PHONE_CODE_SECONDS", default=600)
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = ACCOUNT_PHONE_VERIFICATION_TIMEOUT
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
# Numbers typed without "+country" are read in this region (ISO 3166 code like IN or GB);
# unset: the country code is required.
PHONENUMBER_DEFAULT_REGION = env.str("UCHAT_PHONE_REGION", default="") or None
PHONENUMBER_DB_FORMAT = "E164"
# Texts (verification codes): console (the log), file (UCHAT_SMS_FILE_PATH), twilio, or the
# dotted path of a backend class (accounts/sms.py, docs/accounts.md).
UCHAT_SMS_BACKEND = env.str("UCHAT_SMS_BACKEND", default="console")
UCHAT_SMS_FILE_PATH = env.str("UCHAT_SMS_FILE_PATH", default="")
# Texts the site may send per clock hour, in all and to any one country (counted in the cache:
# Redis, shared by every process). Past either, nothing is texted and people are told so.
UCHAT_SMS_PER_HOUR = env.int("UCHAT_SMS_PER_HOUR", default=200)
UCHAT_SMS_PER_COUNTRY_HOUR = env.int("UCHAT_SMS_PER_COUNTRY_HOUR", default=100)
UCHAT_TWILIO_ACCOUNT_SID = env.str("UCHAT_TWILIO_ACCOUNT_SID", default="")
UCHAT_TWILIO_AUTH_TOKEN = env.str("UCHAT_TWILIO_AUTH_TOKEN", default="")
UCHAT_TWILIO_FROM = env.str("UCHAT_TWILIO_FROM", default="")
UCHAT_TWILIO_URL = env.str("UCHAT_TWILIO_URL", default="https://api.twilio.com/2010-04-01")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
# A reset code is good for one use, within this many seconds, and 3 wrong tries end it.
ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT = env.int("UCHAT_RESET_CODE_SECONDS", default=180)
ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = None  # "[<site name>] ": the Site row (UCHAT_SITE_NAME)
ACCOUNT_USERNAME_BLACKLIST = ["admin", "root", "system", "deleted", "uchat"]
# Failed log-ins: 5 per key in 5 minutes, 20 per IP a minute (allauth's rate limiter). The key is
# the name and the client address together (accounts.adapter), so nobody locks an owner out.
# Texted codes: per number (key) and per IP, for sign-up and change of number (verify_phone)
# and for log-in codes (request_login_code).
# allauth takes REMOTE_ADDR, the client's address behind UCHAT_TRUSTED_PROXIES proxies
# (core.client_address), as every other per-address limit does.
ALLAUTH_TRUSTED_PROXY_COUNT = 0
# Wrong passwords for one name (one account however it is typed) from all addresses together,
# web and API, within an hour; past it, password log-in for that name is paused and log-in by
# an e-mailed or texted code stays open (accounts.services.login_password_paused).
UCHAT_LOGIN_FAILED_PER_NAME = env.int("UCHAT_LOGIN_FAILED_PER_NAME", default=50)
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("UCHAT_LOGIN_FAILED_LIMIT", default="20/m/ip,5/5m/key"),
    "verify_phone": env.str("UCHAT_PHONE_CODE_LIMIT", default="1/30s/key,3/10m/key,10/h/ip"),
    "request_login_code": env.str("UCHAT_LOGIN_CODE_LIMIT", default="1/30s/key,3/10m/key,10/h/ip"),
}
# --- Social log-in ------------------------------------------------------------------------
# A provider is on when both its client id and secret are set: its app is installed, its
# /accounts/<provider>/login/ answers and its button shows (docs/accounts.md says how to
# register the app). An e-mail address that belongs to an account never lets a social log-in
# into it (accounts.adapter.SocialAccountAdapter).
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False  # uchat never calls the providers after the log-in
SOCIALACCOUNT_PROVIDERS: dict[str, dict] = {}
_SOCIAL: dict[str, tuple[str, str, dict[str, Any]]] = {
    "google": (
        env.str("UCHAT_GOOGLE_CLIENT_ID", default=""),
        env.str("UCHAT_GOOGLE_CLIENT_SECRET", default=""),
        {"SCOPE": ["profile", "email"], "AUTH_PARAMS": {"access_type": "online"}},
    ),
    "facebook": (
        env.str("UCHAT_FACEBOOK_CLIENT_ID", default=""),
        env.str("UCHAT_FACEBOOK_CLIENT_SECRET", default=""),
        {"METHOD": "oauth2", "SCOPE": ["email", "public_profile"]},
    ),
    "github": (
        env.str("UCHAT_GITHUB_CLIENT_ID", default=""),
        env.str("UCHAT_GITHUB_CLIENT_SECRET", default=""),
        {"SCOPE": ["read:user", "user:email"]},
    ),
}
# GitHub Enterprise Server: its address (https://github.example.com) instead of github.com.
UCHAT_GITHUB_URL = env.str("UCHAT_GITHUB_URL", default="")
if UCHAT_GITHUB_URL:
    _SOCIAL["github"][2]["GITHUB_URL"] = UCHAT_GITHUB_URL
# Where each provider's consent page is: the log-in form's POST redirects there, which the
# Content-Security-Policy's form-action must allow (CONTENT_SECURITY_POLICY, below).
_SOCIAL_ORIGINS = {
    "google": "https://accounts.google.com",
    "facebook": "https://www.facebook.com",
    "github": UCHAT_GITHUB_URL.rstrip("/") or "https://github.com",
}
SOCIAL_FORM_ORIGINS: list[str] = []
for _provider, (_client_id, _secret, _options) in _SOCIAL.items():
    if _client_id and _secret:
        SOCIAL_FORM_ORIGINS.append(_SOCIAL_ORIGINS[_provider])
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{_provider}")
        SOCIALACCOUNT_PROVIDERS[_provider] = {
            "APPS": [{"client_id": _client_id, "secret": _secret}],
            **_options,
        }

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# When on, staff and agents must turn on two-factor authentication before using anything else.
UCHAT_REQUIRE_MFA_FOR_STAFF = env.bool("UCHAT_REQUIRE_MFA_FOR_STAFF", default=False)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Proxies in front that append the address they saw to X-Forwarded-For (nginx in
# docs/deploy.md: 1). 0: the connection's own address is the client's, the header is ignored.
UCHAT_TRUSTED_PROXIES = env.int("UCHAT_TRUSTED_PROXIES", default=0)

# --- Files ---------------------------------------------------------------------------------------
# Uploads live in the data folder, or in S3-compatible object storage when UCHAT_S3_BUCKET is
# set (several machines then share them; docs/scaling.md). Downloads stay behind the same
# permission checks, then redirect to a signed URL valid for UCHAT_S3_URL_SECONDS.
UCHAT_S3_BUCKET = env.str("UCHAT_S3_BUCKET", default="")
UCHAT_S3_ENDPOINT_URL = env.str("UCHAT_S3_ENDPOINT_URL", default="")  # empty: AWS itself
UCHAT_S3_REGION = env.str("UCHAT_S3_REGION", default="us-east-1")
UCHAT_S3_ACCESS_KEY_ID = env.str("UCHAT_S3_ACCESS_KEY_ID", default="")
UCHAT_S3_SECRET_ACCESS_KEY = env.str("UCHAT_S3_SECRET_ACCESS_KEY", default="")
UCHAT_S3_ADDRESSING_STYLE = env.str("UCHAT_S3_ADDRESSING_STYLE", default="path")
UCHAT_S3_URL_SECONDS = env.int("UCHAT_S3_URL_SECONDS", default=300)
# An upload written for a message that never got stored (refused, or a crash in between) is
# removed once it is this old (rooms.tasks.uploads_sweep, every 10 minutes).
UCHAT_UPLOAD_CLAIM_SECONDS = env.int("UCHAT_UPLOAD_CLAIM_SECONDS", default=3600)


# The S3 store's options (django-storages); STORAGES uses them when a bucket is named, and
# manage.py move_files reads them to move files between the data folder and the bucket.
UCHAT_S3_OPTIONS = {
    "bucket_name": UCHAT_S3_BUCKET,
    "endpoint_url": UCHAT_S3_ENDPOINT_URL or None,
    "region_name": UCHAT_S3_REGION,
    "access_key": UCHAT_S3_ACCESS_KEY_ID or None,
    "secret_key": UCHAT_S3_SECRET_ACCESS_KEY or None,
    "addressing_style": UCHAT_S3_ADDRESSING_STYLE,
    "signature_version": "s3v4",
    "default_acl": None,  # private: read through signed URLs only
    "querystring_auth": True,
    "querystring_expire": UCHAT_S3_URL_SECONDS,
    "file_overwrite": False,
}
STORAGES = {
    "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": UCHAT_S3_OPTIONS}
    if UCHAT_S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Security when served over HTTPS (production) ------------------------------------------------
UCHAT_HTTPS = env.bool("UCHAT_HTTPS", default=False)
if UCHAT_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def _s3_origins() -> list[str]:
    if not UCHAT_S3_BUCKET:
        return []
    if UCHAT_S3_ENDPOINT_URL:
        parts = urlsplit(UCHAT_S3_ENDPOINT_URL)
        return [f"{parts.scheme}://{parts.netloc}"]
    return [f"https://s3.{UCHAT_S3_REGION}.amazonaws.com"]


S3_ORIGINS = _s3_origins()
# Pages load nothing from elsewhere: scripts, styles, images and sockets from this origin only.
# Images shared by URL are shown as links, never loaded by members' browsers (which would tell
# the image's host their addresses); only the two video players may be framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF, "'unsafe-inline'"],  # inline style attributes (admin, Bootstrap)
        # Shared images redirect to signed URLs of the object store, when there is one.
        "img-src": [CSP_SELF, "data:", "blob:", *S3_ORIGINS],
        "connect-src": [CSP_SELF],
        "worker-src": [CSP_SELF],  # the service worker, /sw.js
        "manifest-src": [CSP_SELF],
        "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF, *SOCIAL_FORM_ORIGINS],
        "frame-ancestors": [CSP_NONE],
    }
}
# Browser features the pages (and whatever they frame) may use: none of the powerful ones.
# The video players keep what their iframes ask for (static/js/message_render.js: allow=...).
# Passkeys (publickey-credentials-get) are off as long as MFA_SUPPORTED_TYPES has no "webauthn".
_PLAYERS = ['"https://www.youtube-nocookie.com"', '"https://player.vimeo.com"']
_DENIED = (
    "accelerometer browsing-topics camera display-capture geolocation gyroscope hid "
    "idle-detection magnetometer microphone midi payment publickey-credentials-get "
    "screen-wake-lock serial usb xr-spatial-tracking"
)
PERMISSIONS_POLICY: dict[str, list[str]] = {
    **{feature: [] for feature in _DENIED.split()},
    **{f: ["self", *_PLAYERS] for f in ("encrypted-media", "fullscreen", "picture-in-picture")},
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Email ------------------------------------------------------------------------------------
# EMAIL_URL like smtp+tls://user:password@host:587 or filemail:///path; unset: the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
if env.str("EMAIL_FILE_PATH", default=""):  # for filemail://, an absolute folder
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH")
# Without a name ("noreply@example.com"), e-mails come from UCHAT_SITE_NAME <that address>.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Static and media files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves static files with DEBUG off too; finders make collectstatic optional.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("UCHAT_MEDIA_ROOT", default=str(DATA_DIR / "media")))


CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",  # Bearer uchat_pat_…
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.TwoFactorSetUp",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": ["core.parsers.LimitedJSONParser"],
    "EXCEPTION_HANDLER": "core.api_errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("UCHAT_API_ANON_RATE", default="60/min"),
        "user": env.str("UCHAT_API_USER_RATE", default="600/min"),
        "login": env.str("UCHAT_API_LOGIN_RATE", default="20/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # REMOTE_ADDR is already the client's (core.client_address); DRF's default would count
    # each made-up X-Forwarded-For as another client.
    "NUM_PROXIES": 0,
}
# Access tokens are short-lived and carry a hash of the password (CHECK_REVOKE_TOKEN): a
# password change ends them at once, and a socket opened with one closes when it expires.
# Refresh tokens rotate on every use; the used one and, on a password change, deactivation
# or deletion, all of the person's are blacklisted (accounts.services.user_access_revoke).
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("UCHAT_JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("UCHAT_JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "CHECK_REVOKE_TOKEN": True,
    "UPDATE_LAST_LOGIN": True,
}
# Wrong passwords or codes for one login name from one address in 5 minutes; past this that
# address gets 429 for that name, and everyone else can still log in as it.
UCHAT_API_LOGIN_FAILURES = 5
SPECTACULAR_SETTINGS = {
    "TITLE": "uchat API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema maps every endpoint and field: for people who logged in (a session or a
    # token), like the API it describes. /api/docs sends anonymous browsers to log in.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# --- Chat limits ------------------------------------------------------------------------------
UCHAT_MESSAGE_MAX_LENGTH = 4000
# Unread counts (rooms, notifications) stop here and show "99+": never count a busy room.
UCHAT_UNREAD_CAP = 100
UCHAT_HISTORY_PAGE = 50
# Messages one person may send per window, over all sockets, pages and the API together.
UCHAT_MESSAGE_RATE = env.int("UCHAT_MESSAGE_RATE", default=60)
UCHAT_MESSAGE_RATE_WINDOW = env.int("UCHAT_MESSAGE_RATE_WINDOW", default=60)  # seconds
# The socket writer (rooms/writer.py) stores whatever waits while a batch is in the database;
# this adds a pause before each batch to gather more (0: none, measured best).
UCHAT_WRITER_WINDOW_MS = env.float("UCHAT_WRITER_WINDOW_MS", default=0.0)
# Writing frames per socket (a flood guard that needs no Redis).
UCHAT_WS_RATE = env.int("UCHAT_WS_RATE", default=20)
UCHAT_WS_RATE_WINDOW = env.float("UCHAT_WS_RATE_WINDOW", default=10.0)
UCHAT_WS_MAX_FRAME = 16384
# Every frame kind (ping, read, sync, typing too) per socket, refilled over the window.
UCHAT_WS_FRAME_RATE = env.int("UCHAT_WS_FRAME_RATE", default=120)
UCHAT_WS_FRAME_RATE_WINDOW = env.float("UCHAT_WS_FRAME_RATE_WINDOW", default=60.0)
# Open sockets per person (all tabs, devices and programs, over every server process).
UCHAT_WS_MAX_PER_USER = env.int("UCHAT_WS_MAX_PER_USER", default=20)
# The most people one socket may watch with a ``presence.watch`` frame (``too_many`` past it).
UCHAT_PRESENCE_WATCH_MAX = env.int("UCHAT_PRESENCE_WATCH_MAX", default=500)
# A socket that sends nothing for this long is closed (4408); pages ping every 30 s.
UCHAT_WS_IDLE_SECONDS = env.int("UCHAT_WS_IDLE_SECONDS", default=300)
# Per person and hour, staff excepted: rooms created, people added to rooms, tickets raised.
UCHAT_ROOMS_PER_HOUR = env.int("UCHAT_ROOMS_PER_HOUR", default=20)
UCHAT_ADDS_PER_HOUR = env.int("UCHAT_ADDS_PER_HOUR", default=300)
UCHAT_TICKETS_PER_HOUR = env.int("UCHAT_TICKETS_PER_HOUR", default=10)
# Message searches per person and minute (the page and the API together).
UCHAT_SEARCH_PER_MINUTE = env.int("UCHAT_SEARCH_PER_MINUTE", default=60)
# Quick switcher (Ctrl/Cmd+K) look-ups per person a minute: one per pause in typing.
UCHAT_SWITCHER_PER_MINUTE = env.int("UCHAT_SWITCHER_PER_MINUTE", default=120)
# Thread follows, unfollows and read markers per person and minute (rooms.services.threads).
UCHAT_THREAD_ACTIONS_PER_MINUTE = env.int("UCHAT_THREAD_ACTIONS_PER_MINUTE", default=120)
# Public rooms a person joins by themselves per minute (rooms.services.room_join).
UCHAT_ROOM_JOINS_PER_MINUTE = env.int("UCHAT_ROOM_JOINS_PER_MINUTE", default=20)
# User groups (usergroups): creations, changes and deletions per person and minute; members a
# group may have.
UCHAT_GROUP_CHANGES_PER_MINUTE = env.int("UCHAT_GROUP_CHANGES_PER_MINUTE", default=20)
UCHAT_GROUP_MAX_MEMBERS = env.int("UCHAT_GROUP_MAX_MEMBERS", default=500)
# Slash commands run through POST /api/conversations/<id>/commands, per person and minute.
UCHAT_COMMANDS_PER_MINUTE = env.int("UCHAT_COMMANDS_PER_MINUTE", default=30)
# Invite links a person (staff excepted) makes per hour (rooms.services.invites).
UCHAT_INVITES_PER_HOUR = env.int("UCHAT_INVITES_PER_HOUR", default=30)
# The live-chat widget (docs/widget.md): chats started per address and hour, and per widget;
# messages per visitor and minute, and per widget; how long a visitor's token lasts.
UCHAT_WIDGET_SESSIONS_PER_HOUR = env.int("UCHAT_WIDGET_SESSIONS_PER_HOUR", default=10)
UCHAT_WIDGET_SESSIONS_PER_HOUR_PER_WIDGET = env.int(
    "UCHAT_WIDGET_SESSIONS_PER_HOUR_PER_WIDGET", default=500
)
UCHAT_WIDGET_MESSAGES_PER_MINUTE = env.int("UCHAT_WIDGET_MESSAGES_PER_MINUTE", default=20)
UCHAT_WIDGET_MESSAGES_PER_MINUTE_PER_WIDGET = env.int(
    "UCHAT_WIDGET_MESSAGES_PER_MINUTE_PER_WIDGET", default=600
)
UCHAT_WIDGET_TOKEN_DAYS = env.int("UCHAT_WIDGET_TOKEN_DAYS", default=30)
# One search's time limit in PostgreSQL (statement_timeout; past it a clear error, 503 from the
# API), and the search time per person and minute (page and API together; past it 429).
UCHAT_SEARCH_TIMEOUT_MS = env.int("UCHAT_SEARCH_TIMEOUT_MS", default=1000)
UCHAT_SEARCH_MS_PER_MINUTE = env.int("UCHAT_SEARCH_MS_PER_MINUTE", default=5000)
# Uploaded images: decoded pixels at most (a small PNG can decode to gigabytes).
UCHAT_MAX_IMAGE_PIXELS = env.int("UCHAT_MAX_IMAGE_PIXELS", default=40_000_000)
UCHAT_ROOM_MAX_MEMBERS = env.int("UCHAT_ROOM_MAX_MEMBERS", default=2000)
# Who may start a direct conversation: anyone, or (shared) only someone already met in a room or
# ticket; staff may always start one.
UCHAT_DM_POLICY = env.str("UCHAT_DM_POLICY", default="anyone")
if UCHAT_DM_POLICY not in ("anyone", "shared"):
    raise ImproperlyConfigured("UCHAT_DM_POLICY must be 'anyone' or 'shared'.")
UCHAT_ROOM_MAX_ADD = env.int("UCHAT_ROOM_MAX_ADD", default=200)  # people added in one go
UCHAT_MAX_UPLOAD_BYTES = env.int("UCHAT_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
# A request body larger than this is refused (413) from its Content-Length, before it is read:
# five images and a form. Put the same limit in front (nginx client_max_body_size).
UCHAT_MAX_REQUEST_BYTES = env.int(
    "UCHAT_MAX_REQUEST_BYTES", default=5 * UCHAT_MAX_UPLOAD_BYTES + 1024 * 1024
)
UCHAT_NOTIFY_EMAIL_EVERY = env.int("UCHAT_NOTIFY_EMAIL_EVERY", default=300)  # seconds
# PUTs of notification settings (a conversation's and the person's) per person and minute.
UCHAT_NOTIFY_SETTINGS_PER_MINUTE = env.int("UCHAT_NOTIFY_SETTINGS_PER_MINUTE", default=30)

# --- Web Push (notifications/push.py, docs/notifications.md) ---------------------------------
# The VAPID "sub" claim: how a push service reaches the site's operator (default: a mailto: of
# the support address, else of DEFAULT_FROM_EMAIL's address).
UCHAT_VAPID_SUBJECT = env.str("UCHAT_VAPID_SUBJECT", default="") or "mailto:" + (
    UCHAT_SUPPORT_ADDRESS or re.sub(r"^.*<([^>]*)>.*$", r"\1", DEFAULT_FROM_EMAIL).strip()
)
# Endpoints are accepted only on these hosts and their subdomains (a suffix match): the
# browsers' own push services. Anything else is refused when a browser subscribes.
UCHAT_PUSH_ALLOWED_HOSTS = env.list(
    "UCHAT_PUSH_ALLOWED_HOSTS",
    default=[
        "fcm.googleapis.com",
        "updates.push.services.mozilla.com",
        "push.services.mozilla.com",
        "web.push.apple.com",
        "notify.windows.com",
    ],
)
# Tests and closed networks only: endpoints on private and loopback addresses (http allowed for
# loopback). Cloud metadata addresses stay refused.
UCHAT_PUSH_ALLOW_PRIVATE = env.bool("UCHAT_PUSH_ALLOW_PRIVATE", default=False)
# Devices one person may register (a new one past it replaces their oldest), and registrations
# per person and hour.
UCHAT_PUSH_MAX_SUBSCRIPTIONS = env.int("UCHAT_PUSH_MAX_SUBSCRIPTIONS", default=10)
UCHAT_PUSH_SUBSCRIBE_PER_HOUR = env.int("UCHAT_PUSH_SUBSCRIBE_PER_HOUR", default=30)
# The ASGI server bin/serve starts (uchat/serve.py): a request's headers must arrive within
# this many seconds, or the connection closes (slow-header connections would hold open files).
UCHAT_HEADER_TIMEOUT = env.float("UCHAT_HEADER_TIMEOUT", default=10.0)
# Connections one server process serves at once, HTTP and sockets together; past it, 503. Keep
# it above the sockets a process is meant to hold, and the open-files limit above it
# (docs/deploy.md: LimitNOFILE).
UCHAT_MAX_CONNECTIONS = env.int("UCHAT_MAX_CONNECTIONS", default=10000)
UCHAT_SITE_URL = env.str("UCHAT_SITE_URL", default="http://127.0.0.1:8000")
# The site's name in every e-mail and page title. Both are written to the Site row (SITE_ID) by
# a data migration and again after every migrate (bin/run and deploys run it at start-up).
UCHAT_SITE_NAME = env.str("UCHAT_SITE_NAME", default="uchat")
MFA_TOTP_ISSUER = UCHAT_SITE_NAME  # the account's name in authenticator apps
SITE_ID = 1
# Seconds without a heartbeat after which a socket's presence row counts as gone (a server
# that died without saying so).
UCHAT_PRESENCE_TTL = 90
# Customer-care desk: new tickets go to online agents; customers reopen within so many days.
UCHAT_TICKET_AUTO_ASSIGN = env.bool("UCHAT_TICKET_AUTO_ASSIGN", default=True)
UCHAT_TICKET_REOPEN_DAYS = env.int("UCHAT_TICKET_REOPEN_DAYS", default=7)
# Days a ticket waits on its customer before it is resolved with a note (0: never).
UCHAT_TICKET_AUTO_RESOLVE_DAYS = env.int("UCHAT_TICKET_AUTO_RESOLVE_DAYS", default=7)
# Bulk actions from the inbox, per agent and minute.
UCHAT_TICKET_BULK_PER_MINUTE = env.int("UCHAT_TICKET_BULK_PER_MINUTE", default=20)
# Agent availability changes (PUT /api/agent/availability) per agent and minute.
UCHAT_AVAILABILITY_PER_MINUTE = env.int("UCHAT_AVAILABILITY_PER_MINUTE", default=30)
# Collision: how long "X is replying" lasts after their last keystroke in the reply box.
UCHAT_TICKET_REPLYING_SECONDS = env.int("UCHAT_TICKET_REPLYING_SECONDS", default=6)
# Integrations (docs/integrations.md): outgoing webhooks and bots' commands. Tests and closed
# networks only: private and loopback addresses (metadata addresses stay refused).
UCHAT_WEBHOOK_ALLOW_PRIVATE = env.bool("UCHAT_WEBHOOK_ALLOW_PRIVATE", default=False)
UCHAT_WEBHOOK_TIMEOUT = env.float("UCHAT_WEBHOOK_TIMEOUT", default=5.0)  # seconds per request
# Failed deliveries in a row (after their retries) that switch a hook off, its owner told.
UCHAT_WEBHOOK_MAX_FAILURES = env.int("UCHAT_WEBHOOK_MAX_FAILURES", default=10)
# Webhooks (incoming, outgoing, each) per person, and commands per bot.
UCHAT_WEBHOOKS_PER_OWNER = env.int("UCHAT_WEBHOOKS_PER_OWNER", default=20)
# Deliveries per outgoing hook and minute; past it events are dropped (recorded as such).
UCHAT_WEBHOOK_DELIVERIES_PER_MINUTE = env.int("UCHAT_WEBHOOK_DELIVERIES_PER_MINUTE", default=120)
# Bot command runs per person and minute (each one is a request to the bot's server).
UCHAT_BOT_COMMANDS_PER_MINUTE = env.int("UCHAT_BOT_COMMANDS_PER_MINUTE", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("UCHAT_LOG_LEVEL", default="WARNING")},
}
# Personal API tokens and bots (accounts.tokens, accounts.bots): tokens a person (or a bot)
# holds at most, tokens made per person and hour, bots a person may own and make per hour.
UCHAT_API_TOKENS_MAX = env.int("UCHAT_API_TOKENS_MAX", default=20)
UCHAT_API_TOKENS_PER_HOUR = env.int("UCHAT_API_TOKENS_PER_HOUR", default=20)
UCHAT_BOTS_PER_OWNER = env.int("UCHAT_BOTS_PER_OWNER", default=10)
UCHAT_BOTS_PER_HOUR = env.int("UCHAT_BOTS_PER_HOUR", default=10)  # made, per person
