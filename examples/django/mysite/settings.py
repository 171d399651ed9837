"""Settings of the example site. tgate's three settings come from the
environment (defaults: `tgate sandbox` on this machine):

    TGATE_URL            tgate's site API               (http://127.0.0.1:8080)
    TGATE_API_KEY        tgate's api_key                (sandbox)
    TGATE_EVENTS_SECRET  tgate's events_secret          (required for the events view)
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

TGATE_URL = os.environ.get("TGATE_URL", "http://127.0.0.1:8080")
TGATE_API_KEY = os.environ.get("TGATE_API_KEY", "sandbox")
TGATE_EVENTS_SECRET = os.environ.get("TGATE_EVENTS_SECRET", "")

# An example, not a deployment: set your own key, DEBUG off, your hosts.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mysite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "mysite.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB", str(BASE_DIR / "db.sqlite3")),
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/admin/login/"
STATIC_URL = "/static/"
USE_TZ = True
