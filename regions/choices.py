from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    COUNTY = 3, _("County")
    TOWNSHIP = 4, _("Township")
    VILLAGE = 5, _("Village level")


# Significant digits of the 12-digit statistical code at each level (2-2-2-3-3).
PREFIX_LENGTH = {Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}


class CommitteeKind(models.TextChoices):
    RESIDENTS = "residents", _("Residents' committee")
    VILLAGE = "village", _("Village committee")


class OrganisationKind(models.TextChoices):
    GOVERNMENT = "government", _("People's government")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil-affairs department")
    DEPARTMENT = "department", _("Functional department")
    TOWNSHIP_GOVERNMENT = "township_government", _("Township government")
    STREET_OFFICE = "street_office", _("Street office")
    COMMITTEE = "committee", _("Committee")


class Sector(models.TextChoices):
    """The line of work of a functional department (有关部门)."""

    PUBLIC_SECURITY = "public_security", _("Public security")
    HEALTH = "health", _("Health")
    HUMAN_RESOURCES = "human_resources", _("Human resources and social security")
    MEDICAL_INSURANCE = "medical_insurance", _("Medical insurance")
    AGRICULTURE = "agriculture", _("Agriculture and rural affairs")
    VETERANS = "veterans", _("Veterans affairs")
    EMERGENCY = "emergency", _("Emergency management")
    DISABLED = "disabled", _("Disabled persons' federation")
    JUSTICE = "justice", _("Justice")
    STATISTICS = "statistics", _("Statistics")
    HOUSING = "housing", _("Housing and urban-rural development")
    ECOLOGY = "ecology", _("Ecology and environment")
    EDUCATION = "education", _("Education")
    MARKET = "market", _("Market regulation")
    FORESTRY = "forestry", _("Forestry and grassland")
    FIRE = "fire", _("Fire and rescue")
    OTHER = "other", _("Other")
