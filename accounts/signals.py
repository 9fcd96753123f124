"""Sessions end when an account is disabled (等保: access ends with the account)."""

from typing import Any

from django.contrib.sessions.models import Session
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import User


@receiver(post_save, sender=User)
def end_sessions_of_disabled_user(sender: Any, instance: User, **kwargs: Any) -> None:
    if instance.is_active:
        return
    from django.conf import settings

    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(instance.pk):
            session.delete()
