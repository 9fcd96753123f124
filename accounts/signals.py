"""Sessions end when an account is disabled (等保: access ends with the account); for accounts with a second factor,
a right password alone is no successful sign-in to the lockout (django-axes)."""

from typing import Any

from axes import signals as axes_signals
from django.contrib.auth.signals import user_logged_in
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


# django-axes treats every user_logged_in as a successful sign-in and resets the failure count (AXES_RESET_ON_SUCCESS).
# For an account that needs a second factor the sign-in succeeds only with the right code (accounts.otp_views calls
# axes then): otherwise each right password would wipe the wrong codes before it and make guessing unlimited.
user_logged_in.disconnect(axes_signals.handle_user_logged_in)


@receiver(user_logged_in)
def axes_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from .otp import requires_otp

    if not requires_otp(user):
        axes_signals.handle_user_logged_in(sender=sender, request=request, user=user, **kwargs)
