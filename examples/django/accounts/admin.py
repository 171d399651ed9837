from django.contrib import admin

from .models import ProcessedEvent, TelegramLink

admin.site.register(TelegramLink)
admin.site.register(ProcessedEvent)
