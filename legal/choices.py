from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceLevel(models.TextChoices):
    LAW = "law", _("Law")
    ADMINISTRATIVE_REGULATION = "administrative_regulation", _("Administrative regulation")
    LOCAL_REGULATION = "local_regulation", _("Local regulation")
    RULE = "rule", _("Rule")
    NORMATIVE_DOCUMENT = "normative_document", _("Normative document")


class Jurisdiction(models.TextChoices):
    """Who issued it: a local work-list item needs a national or provincial basis (Art. 4(2))."""

    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    LOCAL = "local", _("City or county")


class Status(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    AMENDED = "amended", _("Amended")
    REPEALED = "repealed", _("Repealed")
