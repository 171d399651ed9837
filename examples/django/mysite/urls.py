from django.contrib import admin
from django.urls import path

from accounts import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("account/", views.account, name="account"),
    path("account/connect", views.connect, name="connect"),
    path("account/disconnect", views.disconnect, name="disconnect"),
    path("account/test-message", views.test_message, name="test_message"),
    path("tgate/events", views.tgate_events, name="tgate_events"),
]
