"""Administrative regions (行政区划) as a tree keyed by the 12-digit NBS code, with code history."""

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped, history

from .choices import CommitteeKind, Level, OrganisationKind, Sector
from .codes import subtree_bounds

# Fields whose change moves a unit into or out of the counts of the regions above it (SubtreeCount).
COUNTED_FIELDS = {"code", "level", "is_active"}


class RegionQuerySet(models.QuerySet):
    def subtree(self, region: "Region", include_self: bool = True) -> "RegionQuerySet":
        """Every region below ``region`` as one indexed range scan on ``code``."""
        low, high = subtree_bounds(region.code, region.level)
        qs = self.filter(code__gte=low, code__lte=high)
        return qs if include_self else qs.exclude(pk=region.pk)

    def committees(self) -> "RegionQuerySet":
        return self.filter(level=Level.VILLAGE)

    def update(self, **kwargs: object) -> int:
        """As QuerySet.update; a change of code, level or use also refreshes the subtree counts above the rows."""
        if not COUNTED_FIELDS & set(kwargs):
            return super().update(**kwargs)
        from django.db import connections

        from .counts import refresh_unless_deferred

        provinces = {code[:2] for code in self.values_list("code", flat=True)}
        done = super().update(**kwargs)
        if isinstance(kwargs.get("code"), str):
            provinces.add(kwargs["code"][:2])
        refresh_unless_deferred(connections[self.db], provinces)
        return done

    update.alters_data = True  # type: ignore[attr-defined]


class Region(TimeStamped):
    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    committee_kind = models.CharField(
        _("committee kind"), max_length=16, choices=CommitteeKind.choices, blank=True, db_index=True
    )
    is_active = models.BooleanField(_("in use"), default=True)
    source = models.CharField(_("source"), max_length=100, blank=True, default="NBS 2023-06-30")

    history = history()
    objects = RegionQuerySet.as_manager()

    # Scoping: a region is inside a user's scope when its own code is.
    scope_code_field = "code"

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def from_db(cls, db: str, field_names: list[str], values: list[object]) -> "Region":
        instance = super().from_db(db, field_names, values)
        instance._loaded_code = instance.__dict__.get("code")  # the province whose counts a recode also changes
        return instance

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or COUNTED_FIELDS & set(update_fields):  # type: ignore[arg-type]
            from django.db import connections

            from .counts import refresh_unless_deferred

            refresh_unless_deferred(connections[self._state.db or "default"],
                                    {self.code[:2], (getattr(self, "_loaded_code", None) or "")[:2]})
            self._loaded_code = self.code

    @property
    def is_committee(self) -> bool:
        return self.level == Level.VILLAGE

    def ancestors(self) -> list["Region"]:
        """From the province down to the parent; one query."""
        from .codes import CODE_LENGTH, PREFIX_LENGTH

        codes = [self.code[: PREFIX_LENGTH[Level(lv)]].ljust(CODE_LENGTH, "0") for lv in range(1, self.level)]
        return list(Region.objects.filter(code__in=codes).order_by("level"))

    def full_name(self) -> str:
        return "".join(r.name for r in self.ancestors() if r.name != "市辖区") + self.name

    def is_within(self, other: "Region") -> bool:
        low, high = subtree_bounds(other.code, other.level)
        return low <= self.code <= high


class SubtreeCount(models.Model):
    """Units in use below a region, per level, for provinces down to townships.

    Written in the same transaction as the regions they count: once per import or recode by the services, and after
    any other Region.save or RegionQuerySet.update that touches code, level or is_active (one grouped scan of the
    province each). A count at national scale is then one indexed read instead of a scan of up to 64,000 rows
    (DESIGN.md §10). Raw SQL and bulk_create bypass this: call regions.services.refresh_subtree_counts after them.
    """

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    units = models.PositiveIntegerField(_("units in the subtree"))

    class Meta:
        verbose_name = _("subtree count")
        verbose_name_plural = _("subtree counts")
        constraints = [models.UniqueConstraint(fields=["region", "level"], name="unique_subtree_count_per_level")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.level}: {self.units}"


class RegionCodeChange(models.Model):
    """A past code or name of a region, so a renamed or recoded unit keeps its past."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="code_changes", verbose_name=_("region"))
    old_code = models.CharField(_("former code"), max_length=12, db_index=True)
    old_name = models.CharField(_("former name"), max_length=100)
    new_code = models.CharField(_("new code"), max_length=12)
    new_name = models.CharField(_("new name"), max_length=100)
    effective = models.DateField(_("effective from"), default=date.today)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-effective", "-id"]
        verbose_name = _("code change")
        verbose_name_plural = _("code changes")

    def __str__(self) -> str:
        return f"{self.old_code} {self.old_name} → {self.new_code} {self.new_name}"


class Organisation(TimeStamped):
    """An agency (government, department, township) or a committee; it acts within its region's subtree."""

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices, db_index=True)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("region"))
    is_active = models.BooleanField(_("active"), default=True)

    history = history()
    scope_code_field = "region__code"

    class Meta:
        ordering = ["region__code", "kind", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["region", "kind", "sector", "name"], name="unique_organisation_per_region")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_committee(self) -> bool:
        return self.kind == OrganisationKind.COMMITTEE

    @property
    def is_government(self) -> bool:
        return self.kind in (
            OrganisationKind.GOVERNMENT, OrganisationKind.TOWNSHIP_GOVERNMENT, OrganisationKind.STREET_OFFICE
        )
